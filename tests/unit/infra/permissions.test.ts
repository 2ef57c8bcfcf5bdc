import { describe, it, expect } from 'vitest';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { FUNCTIONS, TABLE_READ, TABLE_WRITE, tableActions, type FunctionDefinition } from '../../../shared/manifest.ts';
import { DEFAULT_VISIBILITY_TIMEOUT, visibilityTimeoutFor } from '../../../infra/cdk/stateful-stack.ts';
import {
  parseRouteKey,
  permissionsFor,
  QUEUE_CONSUME_ACTIONS,
  routeThrottle,
  scheduleExpression,
} from '../../../infra/cdk/stateless-stack.ts';

const base: FunctionDefinition = {
  name: 'example',
  entry: 'functions/health/handler.ts',
  description: 'example',
  routes: [],
  triggers: [],
  table: 'none',
  sendsTo: [],
  calls: [],
  timeoutSeconds: 10,
  memoryMb: 256,
};

const actionsOf = (fn: FunctionDefinition): string[] => permissionsFor(fn).flatMap((p) => [...p.actions]);

describe('permissionsFor', () => {
  it('gives a function that touches nothing no permission at all', () => {
    expect(permissionsFor(base)).toEqual([]);
  });

  it('maps table read to key and query reads on the table and its indexes, nothing else', () => {
    expect(permissionsFor({ ...base, table: 'read' })).toEqual([
      { target: { kind: 'table', indexes: true }, actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], grantedBy: 'policy' },
    ]);
  });

  it('adds the item writes for readWrite (what TransactWriteItems is authorised as)', () => {
    expect(actionsOf({ ...base, table: 'readWrite' })).toEqual([...TABLE_READ, ...TABLE_WRITE].map((action) => `dynamodb:${action}`));
    expect(TABLE_WRITE).toEqual(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
  });

  it('grants exactly an explicit action list, with the indexes only when the function queries', () => {
    expect(permissionsFor({ ...base, table: ['DescribeTable'] })).toEqual([
      { target: { kind: 'table', indexes: false }, actions: ['dynamodb:DescribeTable'], grantedBy: 'policy' },
    ]);
    expect(tableActions(['GetItem', 'Query'])).toEqual(['GetItem', 'Query']);
    expect(tableActions('none')).toEqual([]);
  });

  it('grants SendMessage (and nothing else) on each queue the function sends to, once', () => {
    expect(permissionsFor({ ...base, sendsTo: ['dispatch', 'suppressed', 'dispatch'] })).toEqual([
      { target: { kind: 'queue', queue: 'dispatch' }, actions: ['sqs:SendMessage'], grantedBy: 'policy' },
      { target: { kind: 'queue', queue: 'suppressed' }, actions: ['sqs:SendMessage'], grantedBy: 'policy' },
    ]);
  });

  it('maps serviceKeyRead to GetSecretValue on the service key, outboundQueueAttributes to GetQueueAttributes on outbound', () => {
    expect(permissionsFor({ ...base, calls: ['serviceKeyRead', 'outboundQueueAttributes'] })).toEqual([
      { target: { kind: 'serviceKey' }, actions: ['secretsmanager:GetSecretValue'], grantedBy: 'policy' },
      { target: { kind: 'queue', queue: 'outbound' }, actions: ['sqs:GetQueueAttributes'], grantedBy: 'policy' },
    ]);
  });

  it('lists the async-failures queue for functions invoked asynchronously (SNS, schedules), granted for Lambda itself', () => {
    for (const trigger of [{ kind: 'sns', topic: 'sesInbound' }, { kind: 'schedule', rate: '1 hour' }] as const) {
      expect(permissionsFor({ ...base, triggers: [trigger] })).toEqual([
        { target: { kind: 'asyncFailures' }, actions: ['sqs:SendMessage'], grantedBy: 'lambdaDeadLetterQueue' },
      ]);
    }
  });

  it('lists the consume actions of an SQS trigger as granted by the event source', () => {
    const fn: FunctionDefinition = { ...base, triggers: [{ kind: 'sqs', queue: 'outbound', batchSize: 100, maxBatchingWindowSeconds: 5 }] };
    expect(permissionsFor(fn)).toEqual([
      { target: { kind: 'queue', queue: 'outbound' }, actions: [...QUEUE_CONSUME_ACTIONS], grantedBy: 'sqsEventSource' },
    ]);
  });

  it('maps smsVoiceSendText to SendTextMessage on the origination identities', () => {
    expect(permissionsFor({ ...base, calls: ['smsVoiceSendText'] })).toEqual([
      { target: { kind: 'smsVoiceOriginationIdentities' }, actions: ['sms-voice:SendTextMessage'], grantedBy: 'policy' },
    ]);
  });

  it('maps eventBridgePutEvents to PutEvents on the stage’s bus and sesSendEmail to SendEmail on the identities', () => {
    expect(permissionsFor({ ...base, calls: ['eventBridgePutEvents', 'sesSendEmail', 'eventBridgePutEvents'] })).toEqual([
      { target: { kind: 'eventBus' }, actions: ['events:PutEvents'], grantedBy: 'policy' },
      { target: { kind: 'sesIdentities' }, actions: ['ses:SendEmail'], grantedBy: 'policy' },
    ]);
  });

  it('never grants wildcards, Scan or table management to any manifest function', () => {
    for (const fn of FUNCTIONS) {
      for (const action of actionsOf(fn)) {
        expect(action, fn.name).toMatch(/^[a-z-]+:[A-Za-z]+$/);
        expect(action, fn.name).not.toMatch(/\*|dynamodb:Scan|dynamodb:(Create|Delete|Update)Table/);
      }
    }
  });
});

describe('visibilityTimeoutFor', () => {
  it('is 60 s for a queue no function consumes', () => {
    expect(visibilityTimeoutFor('outbound', [base]).toSeconds()).toBe(60);
    expect(DEFAULT_VISIBILITY_TIMEOUT.toSeconds()).toBe(60);
  });

  it('is six times the slowest consumer’s timeout plus its batching window', () => {
    const consumers: FunctionDefinition[] = [
      { ...base, timeoutSeconds: 30, triggers: [{ kind: 'sqs', queue: 'outbound', batchSize: 100, maxBatchingWindowSeconds: 5 }] },
      { ...base, timeoutSeconds: 20, triggers: [{ kind: 'sqs', queue: 'outbound', batchSize: 10, maxBatchingWindowSeconds: 0 }] },
      { ...base, timeoutSeconds: 900, triggers: [{ kind: 'sqs', queue: 'dispatch', batchSize: 10, maxBatchingWindowSeconds: 0 }] },
    ];
    expect(visibilityTimeoutFor('outbound', consumers).toSeconds()).toBe(185);
  });
});

describe('parseRouteKey', () => {
  it('splits a manifest route key', () => {
    expect(parseRouteKey('DELETE /v1/lines/{lineId}')).toEqual({ method: HttpMethod.DELETE, path: '/v1/lines/{lineId}' });
  });

  it('rejects a malformed one', () => {
    expect(() => parseRouteKey('FETCH /v1/lines' as never)).toThrow(/malformed route key/);
  });
});

describe('scheduleExpression', () => {
  it('wraps a bare rate and passes full expressions through', () => {
    expect(scheduleExpression('1 hour')).toBe('rate(1 hour)');
    expect(scheduleExpression('rate(15 minutes)')).toBe('rate(15 minutes)');
    expect(scheduleExpression('cron(0 3 * * ? *)')).toBe('cron(0 3 * * ? *)');
  });
});

describe('routeThrottle', () => {
  it('gives webhooks room for a STOP wave, keeps public pages and account creation low, leaves the admin API on the stage default', () => {
    expect(routeThrottle('POST /webhooks/twilio', true)).toEqual({ rateLimit: 200, burstLimit: 400 });
    expect(routeThrottle('GET /webhooks/whatsapp', true)).toEqual({ rateLimit: 200, burstLimit: 400 });
    expect(routeThrottle('POST /unsubscribe/{token}', true)).toEqual({ rateLimit: 50, burstLimit: 100 });
    expect(routeThrottle('POST /forms/{formId}', true)).toEqual({ rateLimit: 50, burstLimit: 100 });
    expect(routeThrottle('GET /health', true)).toEqual({ rateLimit: 10, burstLimit: 20 });
    expect(routeThrottle('POST /v1/accounts', false)).toEqual({ rateLimit: 1, burstLimit: 5 });
    expect(routeThrottle('POST /v1/consent/check', false)).toBeUndefined();
  });
});
