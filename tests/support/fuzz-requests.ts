import fc from 'fast-check';
import { computeTwilioSignature } from '../../shared/adapters/twilio/twilio-signature.ts';
import { computeWhatsAppSignature } from '../../shared/adapters/whatsapp/whatsapp-signature.ts';
import { parseFormBody } from '../../shared/adapters/twilio/form-body.ts';
import { parseTwilioInbound } from '../../shared/adapters/twilio/twilio-inbound-message.ts';
import { twilioStatusCallbackSchema } from '../../shared/adapters/twilio/twilio-status-callback.ts';
import { normalizeContact } from '../../shared/domain/contact-address.ts';
import type { FuzzTarget } from './fuzz-targets.ts';
import type { RawRequest } from './raw-http.ts';

/**
 * Requests for the fuzzer: a plausible request for a route (real ids, the right key, a body near
 * the schema) with one thing made wrong, the way a broken client or an attacker makes it wrong.
 * Every request that could change something carries at least one defect its handler must refuse,
 * so that "nothing changed" can be asserted over the whole run:
 * - `auth`: a missing, malformed, made-up, altered or wrong-kind key (401 / 403 expected);
 * - `body`: truncated, invalid UTF-8, wrong content type, deep JSON, huge numbers, oversized, random
 *   JSON or bytes, unknown fields; kept only if the route's own schema refuses it (4xx expected);
 * - `path`: path parameters that name nothing (made-up ids, contacts that are no address, bad
 *   percent-encoding, traversal, overlong);
 * - `query`: (GET routes, which change nothing) random, huge, badly encoded parameters and odd headers;
 * - `signed`: provider webhooks whose body is broken and then correctly signed, so the parser behind
 *   the signature check is fuzzed too (Twilio, WhatsApp).
 */
export type FuzzFamily = 'auth' | 'body' | 'path' | 'query' | 'signed';

export interface FuzzCase extends RawRequest {
  routeKey: string;
  family: FuzzFamily;
  mutation: string;
}

export interface FuzzContext {
  publicBaseUrl: string;
  accountKey: string;
  operatorKey: string;
  /** Real values for path parameters, by name (lineId, ruleId, formId, contact, token…). */
  pathValues: Record<string, string>;
  twilio: { lineAddress: string; authToken: string; contact: string };
  whatsApp: { phoneNumberId: string; appSecret: string; contact: string };
}

const HUGE_NUMBERS = ['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '9007199254740993', '-0', '1.7976931348623157e309', '99999999999999999999e99'];
const BAD_UTF8 = [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0x80]];
const WRONG_CONTENT_TYPES = ['text/plain', 'application/xml', 'multipart/form-data; boundary=fuzz', 'application/x-www-form-urlencoded', 'text/csv', 'application/octet-stream', 'application/jsonp', 'text/html', ''];
const BAD_PERCENT = ['%', '%E0%A4%A', '%FF', '%zz', '%00', '%C0%AF', '%ED%A0%80', '%%', '%2'];

const bytes = (text: string) => Buffer.from(text, 'utf8');
const insertAt = (buffer: Buffer, position: number, inserted: Buffer) => Buffer.concat([buffer.subarray(0, position), inserted, buffer.subarray(position)]);

/** JSON text with `value`, where every number (and some strings) is replaced by a huge or odd literal. */
function withHugeNumbers(value: unknown, pick: () => string): string {
  const placeholders: string[] = [];
  const replace = (inner: unknown): unknown => {
    if (typeof inner === 'number' || (typeof inner === 'string' && placeholders.length % 2 === 0) || typeof inner === 'boolean') {
      placeholders.push(pick());
      return `__fuzz_literal_${placeholders.length - 1}__`;
    }
    if (Array.isArray(inner)) return inner.map(replace);
    if (inner && typeof inner === 'object') return Object.fromEntries(Object.entries(inner).map(([key, item]) => [key, replace(item)]));
    return inner;
  };
  const text = JSON.stringify(replace(value) ?? null);
  return text.replace(/"__fuzz_literal_(\d+)__"/g, (_match, index: string) => placeholders[Number(index)] ?? '0');
}

function deepJson(depth: number, kind: 'array' | 'object', inside: unknown): string {
  const open = kind === 'array' ? '['.repeat(depth) : '{"a":'.repeat(depth);
  const close = kind === 'array' ? ']'.repeat(depth) : '}'.repeat(depth);
  const nested = `${open}1${close}`;
  if (inside && typeof inside === 'object' && !Array.isArray(inside) && Object.keys(inside).length > 0) {
    const [first] = Object.keys(inside);
    return JSON.stringify({ ...inside, [first as string]: '__fuzz_deep__' }).replace('"__fuzz_deep__"', nested);
  }
  return nested;
}

/**
 * True when the handler's own schema would accept the JSON text (such a body is not a defect). A
 * route that documents no schema might accept any JSON: only unparseable bodies count as defects there.
 */
function schemaAccepts(target: FuzzTarget, text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  return target.body?.schema ? target.body.schema.safeParse(parsed).success : true;
}

function formAccepts(target: FuzzTarget, text: string): boolean {
  if (!target.body?.schema) return false;
  try {
    return target.body.schema.safeParse(parseFormBody(text)).success;
  } catch {
    return false;
  }
}

const jsonText = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null');

/** A broken body for a route: the bytes, the content type it is sent with, and what was done. */
function brokenBody(target: FuzzTarget): fc.Arbitrary<{ body: Buffer; contentType: string; mutation: string }> {
  const media = target.body?.mediaType ?? 'application/json';
  const example = target.body?.example ?? {};
  const base = typeof example === 'string' ? example : media === 'application/x-www-form-urlencoded' ? new URLSearchParams(example as Record<string, string>).toString() : JSON.stringify(example);
  const exampleObject = typeof example === 'object' && example !== null ? example : {};
  const accepts = (text: string) => (media === 'application/json' ? schemaAccepts(target, text) : media === 'application/x-www-form-urlencoded' ? formAccepts(target, text) : false);
  const mutations: fc.Arbitrary<{ body: Buffer; contentType: string; mutation: string }>[] = [
    fc.nat().map((cut) => {
      const text = base.length > 1 ? base.slice(0, 1 + (cut % (base.length - 1))) : '{';
      return { body: bytes(text), contentType: media, mutation: 'truncated' };
    }),
    fc.tuple(fc.constantFrom(...BAD_UTF8), fc.nat()).map(([bad, at]) => ({ body: insertAt(bytes(base), at % (base.length + 1), Buffer.from(bad)), contentType: media, mutation: 'invalid UTF-8' })),
    fc.constantFrom(...WRONG_CONTENT_TYPES.filter((type) => type.split(';')[0] !== media)).map((contentType) => ({ body: bytes(base.length > 0 ? base : '{}'), contentType, mutation: `content type "${contentType}"` })),
    fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.boolean()).map(([depth, kind, inside]) => ({
      body: bytes(deepJson(depth, kind, inside ? exampleObject : undefined)),
      contentType: media,
      mutation: `JSON nested ${depth} deep`,
    })),
    fc.array(fc.constantFrom(...HUGE_NUMBERS), { minLength: 1, maxLength: 12 }).map((literals) => {
      let next = 0;
      const pick = () => literals[next++ % literals.length] as string;
      return { body: bytes(withHugeNumbers(exampleObject, pick)), contentType: media, mutation: 'huge numbers' };
    }),
    fc.integer({ min: 65 * 1024, max: 300 * 1024 }).map((size) => ({ body: bytes(`{"padding":"${'x'.repeat(size)}"}`), contentType: media, mutation: `oversized (${Math.round(size / 1024)} KiB)` })),
    jsonText.map((text) => ({ body: bytes(text), contentType: media, mutation: 'random JSON' })),
    fc.uint8Array({ minLength: 1, maxLength: 2048 }).map((random) => ({ body: Buffer.from(random), contentType: media, mutation: 'random bytes' })),
    fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => ({
      body: bytes(media === 'application/x-www-form-urlencoded' ? `${base}&fuzz_${encodeURIComponent(key)}=${encodeURIComponent(JSON.stringify(value) ?? '')}` : JSON.stringify({ ...exampleObject, [`fuzz_${key}`]: value })),
      contentType: media,
      mutation: 'unknown field',
    })),
  ];
  if (media === 'application/x-www-form-urlencoded') {
    mutations.push(
      fc.tuple(fc.constantFrom(...BAD_PERCENT), fc.nat()).map(([bad, at]) => ({ body: bytes(`${base.slice(0, at % (base.length + 1))}${bad}${base.slice(at % (base.length + 1))}`), contentType: media, mutation: `bad percent-encoding ${bad}` })),
      fc.nat({ max: 5 }).map((times) => ({ body: bytes([base, ...Array.from({ length: times + 1 }, () => base)].join('&')), contentType: media, mutation: 'repeated fields' })),
    );
  }
  if (media === 'text/csv') {
    mutations.push(
      fc.array(fc.array(fc.string({ maxLength: 30 }), { maxLength: 8 }), { maxLength: 40 }).map((rows) => ({
        body: bytes(`contact,channel,status,occurredAt\n${rows.map((row) => row.join(',')).join('\n')}`),
        contentType: media,
        mutation: 'random CSV rows',
      })),
    );
  }
  // Never a body the handler would accept: that would be a valid request, not a fuzz case. (A body
  // sent with the wrong content type is a defect whatever its bytes.)
  return fc.oneof(...mutations).filter((candidate) => candidate.body.length > 0 && (candidate.contentType.split(';')[0] !== media || !accepts(candidate.body.toString('utf8'))));
}

/** Header lines of the route's normal caller (the right key, no body headers). */
function authHeader(target: FuzzTarget, context: FuzzContext): [string, string][] {
  if (target.auth === 'public') return [];
  return [['authorization', `Bearer ${target.auth === 'operator' ? context.operatorKey : context.accountKey}`]];
}

function concretePath(target: FuzzTarget, values: Record<string, string>): string {
  return target.template.replace(/\{(\w+)\}/g, (_match, name: string) => values[name] ?? encodeURIComponent(`fuzz-${name}`));
}

function realPath(target: FuzzTarget, context: FuzzContext): string {
  return concretePath(target, Object.fromEntries(Object.entries(context.pathValues).map(([name, value]) => [name, encodeURIComponent(value)])));
}

function exampleBody(target: FuzzTarget): { headers: [string, string][]; body?: Buffer } {
  if (!target.body) return { headers: [] };
  const { example, mediaType } = target.body;
  const text = typeof example === 'string' ? example : mediaType === 'application/x-www-form-urlencoded' ? new URLSearchParams(example as Record<string, string>).toString() : JSON.stringify(example);
  return { headers: [['content-type', mediaType]], body: bytes(text) };
}

const authDefects = (context: FuzzContext, target: FuzzTarget): fc.Arbitrary<{ headers: [string, string][]; mutation: string }> => {
  const key = target.auth === 'operator' ? context.operatorKey : context.accountKey;
  const wrongKind = target.auth === 'operator' ? context.accountKey : context.operatorKey;
  return fc.oneof(
    fc.constant({ headers: [] as [string, string][], mutation: 'no Authorization' }),
    fc.constant({ headers: [['authorization', 'Bearer']] as [string, string][], mutation: 'Bearer without a key' }),
    fc.string({ minLength: 10, maxLength: 200 }).filter((token) => /^\S+$/.test(token)).map((token) => ({ headers: [['authorization', `Bearer ${token}`]] as [string, string][], mutation: 'made-up key' })),
    fc.nat().map((at) => {
      const index = at % key.length;
      const altered = `${key.slice(0, index)}${key[index] === 'A' ? 'B' : 'A'}${key.slice(index + 1)}`;
      return { headers: [['authorization', `Bearer ${altered}`]] as [string, string][], mutation: 'key with one character changed' };
    }),
    fc.constant({ headers: [['authorization', `Basic ${Buffer.from(`user:${key}`).toString('base64')}`]] as [string, string][], mutation: 'Basic scheme' }),
    fc.constant({ headers: [['x-api-key', key]] as [string, string][], mutation: 'key in another header' }),
    fc.constant({ headers: [['authorization', `Bearer ${key.slice(0, -1)}`]] as [string, string][], mutation: 'truncated key' }),
    fc.constant({ headers: [['authorization', `Bearer ${wrongKind}`]] as [string, string][], mutation: target.auth === 'operator' ? 'account key on an operator route' : 'operator key on an account route' }),
    fc.integer({ min: 201, max: 6000 }).map((length) => ({ headers: [['authorization', `Bearer ${'k'.repeat(length)}`]] as [string, string][], mutation: 'overlong key' })),
  );
};

/** A path parameter value that names nothing: for `contact`, something that is no phone number or email address. */
function junkParameter(name: string, real: string | undefined): fc.Arbitrary<{ encoded: string; mutation: string }> {
  const encoded = fc.oneof(
    fc.string({ minLength: 1, maxLength: 40 }).map((value) => ({ value, mutation: 'random text' })),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((value) => ({ value, mutation: 'random unicode' })),
    fc.constantFrom('..', '.', '%2e%2e', '../../v1/accounts', ' ', '+', '+1', '@', 'a@', '@example.org', 'null', 'undefined', '[object Object]', '*', 'sms:*', 'A#acc#C#x').map((value) => ({ value, mutation: `"${value}"` })),
    fc.integer({ min: 300, max: 3000 }).map((length) => ({ value: 'x'.repeat(length), mutation: 'overlong' })),
    fc.string({ minLength: 4, maxLength: 26 }).map((suffix) => ({ value: `${name.replace(/Id$/, '')}_${suffix}`, mutation: 'made-up id' })),
  )
    .filter(({ value }) => value !== real && !value.includes('/'))
    .filter(({ value }) => {
      if (name !== 'contact') return true;
      for (const channel of ['sms', 'email'] as const) {
        try {
          normalizeContact(value, channel);
          return false;
        } catch {
          // Not an address on this channel: good.
        }
      }
      return true;
    })
    .map(({ value, mutation }) => ({ encoded: encodeURIComponent(value).replace(/\./g, '%2E'), mutation }));
  return fc.oneof(encoded, fc.constantFrom(...BAD_PERCENT.filter((bad) => bad !== '%00')).map((bad) => ({ encoded: `x${bad}`, mutation: `bad percent-encoding ${bad}` })));
}

const junkQueryValue = fc.oneof(
  fc.string({ maxLength: 40 }).map((value) => encodeURIComponent(value)),
  fc.constantFrom(...HUGE_NUMBERS).map((value) => encodeURIComponent(value)),
  fc.constantFrom(...BAD_PERCENT),
  fc.integer({ min: 1000, max: 8000 }).map((length) => 'q'.repeat(length)),
  fc.constantFrom('-1', '0', '1.5', 'NaN', 'Infinity', 'true', '[]', '{}', '%5B%5D', 'sms%3A*', '9'.repeat(40)),
);

const junkHeaders = fc.array(
  fc.oneof(
    fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), fc.stringMatching(/^[\x20-\x7e]{0,200}$/)),
    fc.constantFrom<[string, string]>(['accept', '*/*;q=abc'], ['accept-encoding', 'gzip;q=2, br;q=-1'], ['content-type', 'application/json; charset=utf-16'], ['x-forwarded-for', '999.999.999.999'], ['cookie', 'a=b; '.repeat(50)], ['if-none-match', '"x"']),
    fc.integer({ min: 1000, max: 8000 }).map((length): [string, string] => ['x-large', 'h'.repeat(length)]),
  ),
  { maxLength: 4 },
);

/** WhatsApp deliveries for the fuzz line, broken so that nothing in them may be acted on, then correctly signed. */
function brokenWhatsApp(context: FuzzContext): fc.Arbitrary<{ body: Buffer; contentType: string; mutation: string }> {
  const { phoneNumberId, contact } = context.whatsApp;
  const message = (fields: Record<string, unknown> = {}) => ({ from: contact.replace(/^\+/, ''), id: `wamid.fuzz${Date.now()}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'STOP' }, ...fields });
  const deliveryOf = (value: Record<string, unknown>, metadata: Record<string, unknown> = { phone_number_id: phoneNumberId }) => ({
    object: 'whatsapp_business_account',
    entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata, ...value } }] }],
  });
  const valid = JSON.stringify(deliveryOf({ messages: [message()] }));
  const json = 'application/json';
  return fc.oneof(
    fc.nat().map((cut) => ({ body: bytes(valid.slice(0, 1 + (cut % (valid.length - 1)))), contentType: json, mutation: 'truncated' })),
    fc.tuple(fc.constantFrom(...BAD_UTF8), fc.nat()).map(([bad, at]) => ({ body: insertAt(bytes(valid), at % valid.length, Buffer.from(bad)), contentType: json, mutation: 'invalid UTF-8' })),
    fc.constantFrom(...WRONG_CONTENT_TYPES.filter((type) => type !== '')).map((contentType) => ({ body: bytes(valid), contentType, mutation: `content type "${contentType}"` })),
    fc.integer({ min: 50, max: 20_000 }).map((depth) => ({ body: bytes(valid.replace('"entry":', `"entry":${'['.repeat(depth)}`).replace(/}$/, `${']'.repeat(depth)}}`)), contentType: json, mutation: `entry nested ${depth} deep` })),
    fc.constantFrom(...HUGE_NUMBERS).map((huge) => ({ body: bytes(valid.replace(`"phone_number_id":"${phoneNumberId}"`, `"phone_number_id":${huge}`)), contentType: json, mutation: 'huge number as phone_number_id' })),
    // Not a time at all (0 and -0 are times: 1970, which Meta never sends but which is harmless)
    fc.constantFrom(...HUGE_NUMBERS.filter((value) => value !== '-0' && value !== '1e-400'), '9007199254740991', '8640000000001', '-1', '1.5').map((huge) => ({ body: bytes(JSON.stringify(deliveryOf({ messages: [message({ timestamp: '__fuzz_timestamp__' })] })).replace('"__fuzz_timestamp__"', huge)), contentType: json, mutation: `timestamp ${huge}` })),
    fc.constantFrom<[string, unknown]>(['from', 12], ['from', ''], ['id', null], ['id', ''], ['type', ['text']], ['text', 'STOP'], ['timestamp', 'yesterday'], ['from', 'not-a-number']).map(([field, value]) => ({
      body: bytes(JSON.stringify(deliveryOf({ messages: [message({ [field]: value })] }))),
      contentType: json,
      mutation: `message ${field} = ${JSON.stringify(value)}`,
    })),
    fc.integer({ min: 257 * 1024, max: 600 * 1024 }).map((size) => ({ body: bytes(JSON.stringify(deliveryOf({ messages: [message({ padding: 'x'.repeat(size) })] }))), contentType: json, mutation: 'oversized' })),
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({ body: bytes(JSON.stringify({ object: 'whatsapp_business_account', entry: value }) ?? ''), contentType: json, mutation: 'random entry' })),
  );
}

/** Twilio form posts for the fuzz line whose parameters the handler must refuse, correctly signed. */
function brokenTwilio(target: FuzzTarget, context: FuzzContext): fc.Arbitrary<{ body: Buffer; contentType: string; mutation: string; params?: Record<string, string | string[]> }> {
  const inbound = target.routeKey === 'POST /webhooks/twilio';
  const { lineAddress, contact } = context.twilio;
  const base: Record<string, string> = inbound
    ? { MessageSid: `SM${'0'.repeat(32)}`, AccountSid: `AC${'0'.repeat(32)}`, From: contact, To: lineAddress, Body: 'STOP', NumMedia: '0' }
    : { MessageSid: `SM${'0'.repeat(32)}`, AccountSid: `AC${'0'.repeat(32)}`, From: lineAddress, To: contact, MessageStatus: 'undelivered', ErrorCode: '21610' };
  const refused = (params: Record<string, string | string[]>) =>
    inbound ? !parseTwilioInbound(params).ok : !twilioStatusCallbackSchema.safeParse(params).success;
  const form = 'application/x-www-form-urlencoded';
  return fc
    .oneof(
      fc.tuple(fc.constantFrom(...Object.keys(base).filter((name) => name !== 'To' && name !== 'From')), fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom(...HUGE_NUMBERS, '', ' ', 'SM', 'MM'.repeat(40)))).map(([field, value]) => {
        const params = { ...base, [field]: value };
        return { body: bytes(new URLSearchParams(params).toString()), contentType: form, mutation: `${field} = ${JSON.stringify(value).slice(0, 40)}`, params };
      }),
      fc.constantFrom(...Object.keys(base).filter((name) => name !== 'To' && name !== 'From')).map((field) => {
        const { [field]: _dropped, ...params } = base;
        return { body: bytes(new URLSearchParams(params).toString()), contentType: form, mutation: `without ${field}`, params };
      }),
      fc.constantFrom('MessageSid', 'From', 'Body', 'ErrorCode').map((field) => {
        const params: Record<string, string | string[]> = { ...base, [field]: [base[field] ?? 'x', `${base[field] ?? 'x'}2`] };
        const search = new URLSearchParams(base);
        search.append(field, `${base[field] ?? 'x'}2`);
        return { body: bytes(search.toString()), contentType: form, mutation: `${field} twice`, params };
      }),
      fc.constantFrom(...BAD_PERCENT).map((bad) => ({ body: bytes(`${new URLSearchParams(base).toString()}&Body=${bad}`), contentType: form, mutation: `bad percent-encoding ${bad}` })),
      fc.constantFrom(...BAD_UTF8).map((bad) => ({ body: Buffer.concat([bytes(`${new URLSearchParams(base).toString()}&Body=`), Buffer.from(bad)]), contentType: form, mutation: 'invalid UTF-8' })),
      fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x').map((contentType) => ({ body: bytes(new URLSearchParams(base).toString()), contentType, mutation: `content type "${contentType}"` })),
      fc.integer({ min: 65 * 1024, max: 200 * 1024 }).map((size) => ({ body: bytes(`${new URLSearchParams(base).toString()}&Body=${'x'.repeat(size)}`), contentType: form, mutation: 'oversized' })),
    )
    .filter((candidate) => {
      if (candidate.contentType !== form) return true;
      let params: Record<string, string | string[]>;
      try {
        params = parseFormBody(new TextDecoder('utf-8', { fatal: true }).decode(candidate.body));
      } catch {
        return true;
      }
      return refused(params);
    });
}

const SIGNED_ROUTES = new Set(['POST /webhooks/twilio', 'POST /webhooks/twilio/status', 'POST /webhooks/whatsapp']);

/** The families that apply to a route. */
export function familiesOf(target: FuzzTarget): FuzzFamily[] {
  const families: FuzzFamily[] = [];
  if (target.auth !== 'public') families.push('auth');
  if (target.body) families.push('body');
  if (target.params.length > 0) families.push('path');
  if (target.method === 'GET') families.push('query');
  if (SIGNED_ROUTES.has(target.routeKey)) families.push('signed');
  return families;
}

/** Fuzz cases for one route and family. */
export function fuzzCases(target: FuzzTarget, family: FuzzFamily, context: FuzzContext): fc.Arbitrary<FuzzCase> {
  const common = { routeKey: target.routeKey, family, method: target.method };
  switch (family) {
    case 'auth':
      return authDefects(context, target).map(({ headers, mutation }) => {
        const { headers: bodyHeaders, body } = exampleBody(target);
        return { ...common, mutation, path: realPath(target, context), headers: [...headers, ...bodyHeaders], body };
      });
    case 'body':
      return brokenBody(target).map(({ body, contentType, mutation }) => ({
        ...common,
        mutation,
        path: realPath(target, context),
        headers: [...authHeader(target, context), ...(contentType ? [['content-type', contentType] as [string, string]] : [])],
        body,
      }));
    case 'path':
      return fc
        .tuple(...target.params.map((name) => junkParameter(name, context.pathValues[name])), fc.nat({ max: target.params.length - 1 }))
        .map((drawn) => {
          const chosen = drawn[drawn.length - 1] as number;
          const junk = drawn.slice(0, -1) as { encoded: string; mutation: string }[];
          // One parameter made wrong; the others stay real.
          const values = Object.fromEntries(target.params.map((name, index) => [name, index === chosen ? (junk[index] as { encoded: string }).encoded : encodeURIComponent(context.pathValues[name] ?? `fuzz-${name}`)]));
          const { headers, body } = exampleBody(target);
          return { ...common, mutation: `${target.params[chosen] ?? ''}: ${(junk[chosen] as { mutation: string }).mutation}`, path: concretePath(target, values), headers: [...authHeader(target, context), ...headers], body };
        });
    case 'query':
      return fc
        .tuple(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...(target.query.length > 0 ? target.query : ['q'])), fc.stringMatching(/^[a-zA-Z._[\]-]{1,12}$/)), junkQueryValue), { minLength: 1, maxLength: 6 }), junkHeaders)
        .map(([pairs, extra]) => ({
          ...common,
          mutation: 'odd query and headers',
          path: `${realPath(target, context)}?${pairs.map(([name, value]) => `${encodeURIComponent(name)}=${value}`).join('&')}`,
          headers: [...authHeader(target, context), ...extra],
        }));
    case 'signed': {
      const whatsApp = target.routeKey === 'POST /webhooks/whatsapp';
      const broken: fc.Arbitrary<{ body: Buffer; contentType: string; mutation: string; params?: Record<string, string | string[]> }> = whatsApp
        ? brokenWhatsApp(context)
        : brokenTwilio(target, context);
      return broken.map((candidate) => {
        const url = `${context.publicBaseUrl}${target.template}`;
        const params = candidate.params ?? safeForm(candidate.body);
        const signature = whatsApp ? computeWhatsAppSignature(context.whatsApp.appSecret, candidate.body) : computeTwilioSignature(context.twilio.authToken, url, params);
        return {
          ...common,
          mutation: candidate.mutation,
          path: target.template,
          headers: [['content-type', candidate.contentType], [whatsApp ? 'x-hub-signature-256' : 'x-twilio-signature', signature]],
          body: candidate.body,
        };
      });
    }
  }
}

function safeForm(body: Buffer): Record<string, string | string[]> {
  try {
    return parseFormBody(body.toString('utf8'));
  } catch {
    return {};
  }
}
