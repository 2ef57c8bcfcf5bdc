import type { AccountStore } from '../adapters/dynamodb/account-store.ts';
import type { LineRoute } from '../adapters/dynamodb/line-router.ts';
import type { Channel, ConsentCategory, ConsentStatus } from '../domain/channels.ts';
import type { ConsentEffect } from '../domain/consent/apply-consent-event.ts';
import type { ConsentEvidence } from '../domain/consent/consent-record.ts';
import { normalizeContact } from '../domain/contact-address.ts';
import { recordConsentChange, type RecordConsentChangeDeps } from './record-consent-change.ts';

export interface ProviderConsentEvent {
  /** The line the provider reported on (found from the event, its signature already verified). */
  route: LineRoute;
  channel: Channel;
  /** The contact's address as the provider gave it. */
  contact: string;
  status: ConsentStatus;
  category?: ConsentCategory;
  occurredAt: string;
  /** The idempotency key: `provider` + `providerEventId` is handled once, whatever the redeliveries. */
  provider: string;
  providerEventId: string;
  evidence: ConsentEvidence;
}

export type ProviderConsentOutcome = { contact: string; duplicate: true } | { contact: string; duplicate: false; effect: ConsentEffect; eventId: string };

/**
 * A consent change a provider reported (source `provider`): an opt-out the carrier or Meta already
 * enforces (Twilio 21610, AWS DESTINATION_PHONE_NUMBER_OPTED_OUT, WhatsApp 131050) or a WhatsApp
 * marketing preference. Recorded on the line the provider named, idempotent on the provider's id.
 */
export async function recordProviderConsent(
  deps: RecordConsentChangeDeps & { accountStore: AccountStore },
  input: ProviderConsentEvent,
): Promise<ProviderConsentOutcome> {
  const contact = normalizeContact(input.contact, input.channel);
  const settings = await deps.accountStore.getSettings(input.route.accountId);
  const result = await recordConsentChange(deps, {
    accountId: input.route.accountId,
    retentionMonths: settings.retention.dataMonths,
    change: {
      contact,
      channel: input.channel,
      scope: input.route.lineId,
      status: input.status,
      ...(input.category ? { category: input.category } : {}),
      occurredAt: input.occurredAt,
      source: 'provider',
      evidence: { provider: input.provider, lineId: input.route.lineId, lineAddress: input.route.address, ...input.evidence },
    },
    idempotency: {
      provider: input.provider,
      providerMessageId: input.providerEventId,
      marker: () => ({ receivedAt: deps.now().toISOString(), replyState: 'none' }),
    },
  });
  if (result.duplicate) return { contact, duplicate: true };
  return { contact, duplicate: false, effect: result.decision.effect, eventId: result.event.eventId };
}
