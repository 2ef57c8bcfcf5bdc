/** The messaging channels optgate keeps consent for. */
export const CHANNELS = ['sms', 'whatsapp', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

/** A stored consent status. `not_defined` is only ever reported, never stored. */
export const CONSENT_STATUSES = ['opted_in', 'opted_out'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export type ReportedStatus = ConsentStatus | 'not_defined';

/** Scope of a consent record: one line (its id) or the whole channel. */
export const CHANNEL_SCOPE = '*';

/** Where a consent change came from (`unsubscribe_link`: an email's one-click or confirmation-page unsubscribe). */
export const CONSENT_SOURCES = ['keyword', 'form', 'api', 'import', 'provider', 'unsubscribe_link'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export const MESSAGE_CATEGORIES = ['marketing', 'transactional'] as const;
export type MessageCategory = (typeof MESSAGE_CATEGORIES)[number];

/**
 * A consent record with a category speaks for that category of messages only. `marketing`: the
 * person stopped (or resumed) promotions but not service messages, e.g. WhatsApp's "Stop
 * promotions" (`user_preferences`) or error 131050. No category: every message on the line.
 */
export const CONSENT_CATEGORIES = ['marketing'] as const;
export type ConsentCategory = (typeof CONSENT_CATEGORIES)[number];
