import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { outboundHistoryItem } from '../../shared/adapters/dynamodb/outbound-store.ts';
import { keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import { createSqsClient } from '../../shared/adapters/sqs/sqs-client.ts';
import { loadGateConfig } from '../../shared/config/service-config.ts';
import { accountSettingsSchema, defaultAccountSettings } from '../../shared/domain/accounts/account-settings.ts';
import { CHANNEL_SCOPE } from '../../shared/domain/channels.ts';
import { decideOutbound, unknownLineDecision, type GateConsentRecord } from '../../shared/domain/outbound/decide-outbound.ts';
import { contactErasureHash } from '../../shared/domain/retention/erasure-hash.ts';
import { expiresAtFor } from '../../shared/domain/retention/expires-at.ts';
import { lineCandidates } from '../../shared/use-cases/gather-outbound-facts.ts';
import { parseEnvelope } from '../../shared/use-cases/gate-outbound-batch.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { SEALING_CONTEXT } from '../../shared/security/secret-box.ts';

/**
 * The benchmark's baseline: the same decisions, written the obvious way. One message at a time,
 * one GetItem per thing it needs (route, settings, erasure key, line and channel consent,
 * suppression, tombstone, its own history item for idempotency), a PutItem for the history and a
 * SendMessage to its queue; no cache, no batching. Not used by the service.
 */
const config = loadGateConfig();
const db = createDocumentClient();
const sqs = createSqsClient();
const secrets = createSecretBox();

const get = async (key: { pk: string; sk: string }, consistent = false) =>
  (await db.send(new GetCommand({ TableName: config.tableName, Key: key, ConsistentRead: consistent }))).Item;

const record = (item: Record<string, unknown> | undefined): GateConsentRecord | undefined =>
  item && (item.status === 'opted_in' || item.status === 'opted_out')
    ? { scope: String(item.scope), status: item.status, occurredAt: String(item.occurredAt), eventId: String(item.eventId) }
    : undefined;

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures: { itemIdentifier: string }[] = [];
  for (const sqsRecord of event.Records) {
    try {
      const now = new Date();
      const parsed = parseEnvelope(sqsRecord.body, now);
      if (!parsed.ok) {
        await sqs.send(new SendMessageCommand({ QueueUrl: config.queues.dlq, MessageBody: JSON.stringify({ error: parsed.message, body: sqsRecord.body }) }));
        continue;
      }
      const { envelope, contact, from } = parsed;
      let route: Record<string, unknown> | undefined;
      for (const address of lineCandidates(envelope.channel, from)) {
        route = await get(keys.route(envelope.channel, address));
        if (route) break;
      }
      if (!route) {
        await sqs.send(new SendMessageCommand({ QueueUrl: config.queues.suppressed, MessageBody: JSON.stringify({ decision: unknownLineDecision(envelope.requireOptIn), envelope }) }));
        continue;
      }
      const accountId = String(route.accountId);
      const lineId = String(route.lineId);
      const history = await get(keys.outboundMessage(accountId, contact, envelope.messageId), true);
      if (history?.state === 'done') continue;
      const settingsItem = await get(keys.settings(accountId));
      const settings = settingsItem ? accountSettingsSchema.parse(settingsItem.settings) : defaultAccountSettings();
      const sealedErasureKey = (await get(keys.erasureKey(accountId)))?.key;
      const erasureKey = typeof sealedErasureKey === 'string' ? await secrets.open(sealedErasureKey, SEALING_CONTEXT.erasureKey(accountId)) : undefined;
      const lineRecord = record(await get(keys.consent(accountId, contact, envelope.channel, lineId), true));
      const channelRecord = record(await get(keys.consent(accountId, contact, envelope.channel, CHANNEL_SCOPE), true));
      const suppression = envelope.channel === 'email' ? await get(keys.suppression(accountId, contact, 'email'), true) : undefined;
      const tombstone = typeof erasureKey === 'string' ? await get(keys.tombstone(accountId, contactErasureHash(Buffer.from(erasureKey, 'base64'), contact)), true) : undefined;
      const decision = decideOutbound({
        channel: envelope.channel,
        category: envelope.category,
        requireOptIn: envelope.requireOptIn,
        policy: settings.channels[envelope.channel],
        ...(lineRecord ? { lineRecord } : {}),
        ...(channelRecord ? { channelRecord } : {}),
        ...(suppression ? { suppression: { reason: suppression.reason === 'complaint' ? 'complaint' : 'hard_bounce', occurredAt: String(suppression.occurredAt) } } : {}),
        ...(tombstone ? { tombstone: { erasedAt: String(tombstone.erasedAt) } } : {}),
      });
      const queue = decision.outcome === 'allowed' ? config.queues.dispatch : config.queues.suppressed;
      await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: `{"decision":${JSON.stringify({ ...decision, messageId: envelope.messageId, contact })},"envelope":${sqsRecord.body}}` }));
      const item = outboundHistoryItem({
        accountId, contact, messageId: envelope.messageId, channel: envelope.channel, lineId, from, category: envelope.category,
        campaignId: envelope.campaignId, decision, claim: { receiptId: 'naive', claimIndex: 0 }, leaseUntilMs: 0, decidedAt: now.toISOString(),
        expiresAt: expiresAtFor(now.toISOString(), settings.retention.messageHistoryMonths),
      });
      await db.send(new PutCommand({ TableName: config.tableName, Item: { ...item, state: 'done' } }));
    } catch {
      failures.push({ itemIdentifier: sqsRecord.messageId });
    }
  }
  return { batchItemFailures: failures };
};
