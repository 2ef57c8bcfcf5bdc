import type { HeldReply } from '../adapters/dynamodb/consent-store.ts';
import type { LineRoute } from '../adapters/dynamodb/line-router.ts';
import type { WhatsAppUpdate } from '../adapters/whatsapp/whatsapp-webhook.ts';
import { AppError } from '../domain/errors.ts';
import { handleInboundMessage, sendAsyncReply, type InboundDeps } from './handle-inbound-message.ts';
import { recordProviderConsent } from './record-provider-consent.ts';

export const WHATSAPP_PROVIDER = 'meta';

/**
 * Sends one keyword reply through the Cloud API. `rejected`: the API refused it for good (a bad
 * access token, a number that cannot receive it), which no redelivery can fix. Throws when it may
 * succeed later (timeout, 5xx, throttling).
 */
export type WhatsAppReplySender = (reply: { route: LineRoute; phoneNumberId: string; to: string; body: string }) => Promise<'sent' | 'rejected'>;

export interface WhatsAppUpdatesSummary {
  messages: number;
  duplicates: number;
  consentChanges: number;
  replies: number;
  /** Replies the Cloud API refused for good: logged, not retried (a retry cannot fix them). */
  repliesRejected: number;
  ignored: number;
  /** Updates that could never succeed (an address that is not a phone number): logged and dropped. */
  rejected: number;
}

/**
 * Raised after every update was recorded when some reply did not go out, or is still being sent by
 * another delivery: Meta's redelivery sends it (or finds it sent).
 */
export class WhatsAppRepliesFailedError extends Error {
  constructor(readonly failed: number) {
    super(`${failed} WhatsApp repl${failed === 1 ? 'y' : 'ies'} could not be sent; the webhook will be redelivered`);
    this.name = new.target.name;
  }
}

/**
 * Applies the updates of one verified WhatsApp delivery, in order:
 * - messages go through the keyword rules exactly as SMS does (channel `whatsapp`), idempotent on the wamid;
 * - `user_preferences` marketing stop / resume become a marketing-only opt-out / opt-in on the line;
 * - a failed status with error 131050 becomes a marketing-only opt-out (Meta already blocks marketing);
 * - anything else is acknowledged and ignored.
 * Consent is committed first; replies then go out together, and a reply that fails leaves its marker
 * `pending`, so the redelivery Meta makes after our error sends it (and changes nothing else).
 */
export async function handleWhatsAppUpdates(
  deps: InboundDeps & { sendReply: WhatsAppReplySender },
  input: { routes: ReadonlyMap<string, LineRoute>; updates: readonly WhatsAppUpdate[] },
): Promise<WhatsAppUpdatesSummary> {
  const summary: WhatsAppUpdatesSummary = { messages: 0, duplicates: 0, consentChanges: 0, replies: 0, repliesRejected: 0, ignored: 0, rejected: 0 };
  const replies: { route: LineRoute; phoneNumberId: string; to: string; body: string; held: HeldReply }[] = [];
  const queued = new Set<string>();
  let inFlight = 0;

  // Sequential on purpose: a delivery may repeat a wamid, and the second copy must see the first's marker.
  for (const update of input.updates) {
    const route = update.kind === 'ignored' || update.phoneNumberId === undefined ? undefined : input.routes.get(update.phoneNumberId);
    if (update.kind === 'ignored' || !route) {
      summary.ignored += 1;
      continue;
    }
    try {
      if (update.kind === 'message') {
        summary.messages += 1;
        const outcome = await handleInboundMessage(deps, {
          provider: WHATSAPP_PROVIDER,
          providerMessageId: update.wamid,
          channel: 'whatsapp',
          route,
          from: update.from,
          text: update.text,
          ...(update.payload !== undefined ? { payload: update.payload } : {}),
          occurredAt: update.occurredAt,
          replyMode: 'async',
        });
        if (outcome.duplicate) summary.duplicates += 1;
        if (outcome.consent) summary.consentChanges += 1;
        // A copy of a message already handled in this delivery finds the reply this delivery holds: it goes out once.
        const replyKey = `${route.accountId}|${outcome.contact}|${update.wamid}`;
        if (outcome.reply && outcome.heldReply && !queued.has(replyKey)) {
          queued.add(replyKey);
          replies.push({ route, phoneNumberId: update.phoneNumberId, to: outcome.contact, body: outcome.reply, held: outcome.heldReply });
        } else if (outcome.replyInFlight && !queued.has(replyKey)) {
          // Another delivery is sending it (or died holding it): Meta must come back.
          inFlight += 1;
        }
      } else if (update.kind === 'marketing_preference') {
        const outcome = await recordProviderConsent(deps, {
          route,
          channel: 'whatsapp',
          contact: update.waId,
          status: update.value === 'stop' ? 'opted_out' : 'opted_in',
          category: 'marketing',
          occurredAt: update.occurredAt,
          provider: 'meta-user-preferences',
          // Preference events carry no id of their own: the person, the choice and its second identify one.
          providerEventId: `${update.value}:${update.occurredAt}`,
          evidence: {
            event: 'user_preferences',
            category: 'marketing_messages',
            value: update.value,
            phoneNumberId: update.phoneNumberId,
            ...(update.detail ? { detail: update.detail } : {}),
          },
        });
        if (outcome.duplicate) summary.duplicates += 1;
        else summary.consentChanges += 1;
      } else {
        const outcome = await recordProviderConsent(deps, {
          route,
          channel: 'whatsapp',
          contact: update.recipientId,
          status: 'opted_out',
          category: 'marketing',
          occurredAt: update.occurredAt,
          provider: 'meta-status',
          providerEventId: update.wamid,
          evidence: {
            event: 'status_failed',
            errorCode: update.errorCode,
            ...(update.errorTitle ? { errorTitle: update.errorTitle } : {}),
            wamid: update.wamid,
            phoneNumberId: update.phoneNumberId,
          },
        });
        if (outcome.duplicate) summary.duplicates += 1;
        else summary.consentChanges += 1;
      }
    } catch (error) {
      // A wa_id that is not a phone number can never succeed; storage errors propagate (Meta retries).
      if (error instanceof AppError && error.statusCode < 500) {
        summary.rejected += 1;
        continue;
      }
      throw error;
    }
  }

  const results = await Promise.allSettled(
    replies.map(async (reply) => {
      return sendAsyncReply(deps.consentStore, reply.held, () => deps.sendReply(reply));
    }),
  );
  for (const result of results) {
    if (result.status === 'fulfilled' && result.value === 'sent') summary.replies += 1;
    if (result.status === 'fulfilled' && result.value === 'rejected') summary.repliesRejected += 1;
  }
  const failed = results.filter((result) => result.status === 'rejected').length + inFlight;
  if (failed > 0) throw new WhatsAppRepliesFailedError(failed);
  return summary;
}
