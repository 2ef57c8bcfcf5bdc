import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { firstTextLine, stripReplyPrefixes } from '../../shared/adapters/ses/mime-text.ts';
import { parseSesNotification, type SesNotification } from '../../shared/adapters/ses/ses-notification.ts';
import { createSnsVerifier } from '../../shared/adapters/sns/sns-certificate-source.ts';
import { verifySnsRecords } from '../../shared/adapters/sns/sns-lambda-event.ts';
import { loadSnsConfig } from '../../shared/config/provider-config.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { maskContact } from '../../shared/domain/contact-address.ts';
import { AppError } from '../../shared/domain/errors.ts';
import { logger } from '../../shared/observability/logger.ts';
import { handleEmailReply } from '../../shared/use-cases/handle-email-reply.ts';
import { recordEmailFeedback } from '../../shared/use-cases/record-email-feedback.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = {
  ...createStores(createDocumentClient(), config.tableName, secrets),
  consentEvents: new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName),
};
const verifier = createSnsVerifier(loadSnsConfig());
const now = () => new Date();

async function handleNotification(notification: SesNotification, snsMessageId: string): Promise<void> {
  switch (notification.kind) {
    case 'received': {
      let route;
      for (const recipient of notification.recipients) {
        route = await stores.lineStore.findEmailRoute(recipient);
        if (route) break;
      }
      if (!route || route.provider !== 'ses') {
        logger.warn('Ignoring inbound mail to an unregistered address', { snsMessageId });
        return;
      }
      const firstLine = notification.content !== undefined ? firstTextLine(notification.content) : undefined;
      const outcome = await handleEmailReply(
        { ...stores, now },
        {
          route,
          messageId: notification.messageId,
          from: notification.from,
          ...(notification.subject !== undefined ? { subject: stripReplyPrefixes(notification.subject) } : {}),
          ...(firstLine !== undefined ? { firstLine } : {}),
          occurredAt: notification.occurredAt,
        },
      );
      logger.info('Inbound email handled', { from: maskContact(outcome.contact), action: outcome.action, duplicate: outcome.duplicate });
      return;
    }
    case 'bounce':
    case 'complaint': {
      if (notification.kind === 'bounce' && !notification.permanent) return; // transient: try again later, nothing to record
      const route = await stores.lineStore.findEmailRoute(notification.sender);
      if (!route || route.provider !== 'ses') {
        logger.warn('Ignoring SES feedback for a sender that is no registered line', { snsMessageId, kind: notification.kind });
        return;
      }
      for (const recipient of notification.recipients) {
        const result = await recordEmailFeedback(
          { ...stores, now },
          {
            route,
            reason: notification.kind === 'complaint' ? 'complaint' : 'hard_bounce',
            recipient,
            feedbackId: notification.feedbackId,
            occurredAt: notification.occurredAt,
            evidence: {
              mailMessageId: notification.mailMessageId,
              ...(notification.kind === 'bounce'
                ? { bounceType: notification.bounceType, ...(notification.bounceSubType ? { bounceSubType: notification.bounceSubType } : {}) }
                : notification.feedbackType
                  ? { complaintFeedbackType: notification.feedbackType }
                  : {}),
            },
          },
        ).catch((error: unknown) => {
          // One recipient that is no address must not hold up the others.
          if (error instanceof AppError && error.statusCode < 500) return undefined;
          throw error;
        });
        if (result) logger.info('SES feedback recorded', { kind: notification.kind, recipient: maskContact(result.contact), duplicate: result.duplicate });
      }
      return;
    }
    case 'ignored':
      return;
  }
}

/**
 * SES through SNS: inbound mail (receipt rule SNS action) and bounce / complaint feedback. Each
 * record's SNS signature is verified first; unverifiable, malformed or unroutable notifications are
 * logged and dropped (a retry cannot fix them); storage failures throw, so Lambda retries, and the
 * idempotency markers make the retry change nothing that was already done.
 */
export const handler = async (event: unknown): Promise<void> => {
  const { notifications, rejected } = await verifySnsRecords(event, verifier);
  for (const rejection of rejected) logger.warn('Rejected an SNS message that did not verify', { ...rejection });
  for (const message of notifications) {
    const parsed = parseSesNotification(message.Message);
    if (!parsed.ok) {
      logger.warn('Ignoring a malformed SES notification', { snsMessageId: message.MessageId, error: parsed.error });
      continue;
    }
    try {
      await handleNotification(parsed.value, message.MessageId);
    } catch (error) {
      // An address that is not one can never succeed: drop it instead of retrying.
      if (error instanceof AppError && error.statusCode < 500) {
        logger.warn('Ignoring an invalid SES notification', { snsMessageId: message.MessageId, code: error.code, message: error.message });
        continue;
      }
      throw error;
    }
  }
};
