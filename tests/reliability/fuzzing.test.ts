import fc from 'fast-check';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { mapConcurrent } from '../../shared/concurrency/map-concurrent.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { familiesOf, fuzzCases, type FuzzCase, type FuzzContext, type FuzzFamily } from '../support/fuzz-requests.ts';
import { fuzzTargets, type FuzzTarget } from '../support/fuzz-targets.ts';
import { rawRequest, type RawResponse } from '../support/raw-http.ts';
import { printFigures, stackStats } from '../support/reliability.ts';
import { captureState, stateChanges, type StackState } from '../support/stack-state.ts';
import { localTable } from '../support/table.ts';
import { phoneNumberId } from '../support/whatsapp.ts';

/**
 * Property-based and mutation fuzzing of every route of the manifest (routes added later are
 * fuzzed without touching this file): at least 10,000 requests, each a plausible request with a
 * defect (tests/support/fuzz-requests.ts). None may get a 5xx or break the connection, the stack
 * must stay up, and nothing may change: the whole table and everything the stack sends out are
 * compared before and after.
 */
const TOTAL = 10_400;
const LANES = 8;
/** Families that exercise parsers get more cases than the ones that stop at the door. */
const WEIGHTS: Record<FuzzFamily, number> = { body: 3, signed: 3, path: 1.5, query: 1, auth: 1 };
const TWILIO_TOKEN = 'fuzz-twilio-auth-token-0000000001';
const APP_SECRET = 'fuzz-meta-app-secret-00000000001';
/**
 * Rate state that counts attempts, accepted or not, by design: the per-IP and per-address form
 * counters (submit-web-form.ts) and the import back-pressure slot, which every CSV's rows reserve
 * before they are validated (import-consent.ts). Not data: left out of the comparison, and counted.
 */
const RATE_COUNTER = /#RL#|\|PACE#/;

interface Outcome {
  routeKey: string;
  family: FuzzFamily;
  mutation: string;
  status: number;
}

/** What each family must get, beyond "no 5xx": a defective key is refused as such, a defective body as the client's fault. */
function expected(fuzzCase: FuzzCase, response: RawResponse): boolean {
  if (response.status === 0 || response.status >= 500) return false;
  if (fuzzCase.family === 'auth') return response.status === 401 || response.status === 403;
  // An import answers 200 with each bad row reported by line number.
  if (fuzzCase.family === 'body' && fuzzCase.routeKey !== 'POST /v1/imports') return response.status >= 400;
  return true;
}

describe('fuzzing: every route, at least 10,000 defective requests', () => {
  const db = localTable();
  let context: FuzzContext;
  let before: StackState;
  const seed = Number(process.env.OPTGATE_RELIABILITY_SEED ?? Date.now() % 1_000_000);

  beforeAll(async () => {
    const { apiKey } = await createAccount('Fuzzing');
    const twilioLine = await createLine(apiKey, { provider: 'twilio', credentials: { authToken: TWILIO_TOKEN } });
    await createLine(apiKey, { provider: 'aws' });
    const waPhoneNumberId = phoneNumberId();
    await createLine(apiKey, { channel: 'whatsapp', provider: 'meta', address: uniquePhone(), providerId: waPhoneNumberId, credentials: { appSecret: APP_SECRET, verifyToken: 'fuzz-verify-token-1', accessToken: 'fuzz-access-token-1' } });
    const emailLine = await createLine(apiKey, { channel: 'email', provider: 'ses', address: `news@fuzz-${Date.now()}.example.com` });
    const rule = await api<{ ruleId: string }>('POST', '/v1/rules', { key: apiKey, json: { keyword: 'FUZZWORD', action: 'opt_out' } });
    const form = await api<{ formId: string }>('POST', '/v1/forms', { key: apiKey, json: { channel: 'sms', line: twilioLine.lineId, description: 'Fuzz deals', confirmationMessage: 'I agree.', buttonText: 'Join' } });
    const contact = uniquePhone();
    await api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key: apiKey, json: { channel: 'sms', line: twilioLine.lineId, status: 'opted_in' } });
    const link = await api<{ url: string }>('POST', '/v1/unsubscribe-links', { key: apiKey, json: { line: emailLine.lineId, contact: 'reader@example.org' } });
    expect([rule.status, form.status, link.status]).toEqual([201, 201, 200]);
    context = {
      publicBaseUrl: inject('publicBaseUrl'),
      accountKey: apiKey,
      operatorKey: inject('adminApiKey'),
      pathValues: { lineId: twilioLine.lineId, ruleId: rule.body.ruleId, formId: form.body.formId, contact, token: new URL(link.body.url).pathname.split('/').pop() ?? '' },
      twilio: { lineAddress: twilioLine.address, authToken: TWILIO_TOKEN, contact: uniquePhone() },
      whatsApp: { phoneNumberId: waPhoneNumberId, appSecret: APP_SECRET, contact: uniquePhone() },
    };
    before = await captureState(db);
  });

  it('answers every one with a 4xx (or a harmless 2xx), never a 5xx, and changes nothing', async () => {
    const targets = fuzzTargets();
    const pairs = targets.flatMap((target) => familiesOf(target).map((family) => ({ target, family })));
    const weight = pairs.reduce((sum, pair) => sum + WEIGHTS[pair.family], 0);
    const plan = pairs.map((pair, index) => ({ ...pair, runs: Math.max(20, Math.round((TOTAL * WEIGHTS[pair.family]) / weight)), seed: seed + index }));
    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    const startStats = await stackStats();
    const started = performance.now();

    const runPair = async ({ target, family, runs, seed: pairSeed }: { target: FuzzTarget; family: FuzzFamily; runs: number; seed: number }) => {
      const details = await fc.check(
        fc.asyncProperty(fuzzCases(target, family, context), async (fuzzCase) => {
          const response = await rawRequest(inject('baseUrl'), fuzzCase);
          outcomes.push({ routeKey: fuzzCase.routeKey, family, mutation: fuzzCase.mutation, status: response.status });
          return expected(fuzzCase, response);
        }),
        { numRuns: runs, seed: pairSeed },
      );
      if (details.failed) {
        const example = details.counterexample?.[0] as FuzzCase | undefined;
        failures.push(
          `${target.routeKey} [${family}] seed ${pairSeed}: ${example?.mutation ?? ''} → ${outcomes.find((o) => o.routeKey === target.routeKey && o.mutation === example?.mutation && (o.status === 0 || o.status >= 500))?.status ?? 'unexpected status'}; ${example ? `${example.method} ${example.path.slice(0, 200)} ${example.headers.map(([n, v]) => `${n}: ${v.slice(0, 60)}`).join('; ')} body ${example.body?.subarray(0, 300).toString('utf8') ?? ''}` : String(details.errorInstance)}`,
        );
      }
    };
    await mapConcurrent(plan, LANES, runPair);
    const seconds = (performance.now() - started) / 1000;

    const health = await api('GET', '/health');
    const endStats = await stackStats();
    const after = await captureState(db);
    const changes = stateChanges(before, after, (key) => RATE_COUNTER.test(key));
    const rateCounters = stateChanges(before, after).length - changes.length;

    const count = (predicate: (outcome: Outcome) => boolean) => outcomes.filter(predicate).length;
    const byFamily = (family: FuzzFamily) => count((outcome) => outcome.family === family);
    const statusCounts = new Map<number, number>();
    for (const outcome of outcomes) statusCounts.set(outcome.status, (statusCounts.get(outcome.status) ?? 0) + 1);
    const coveredRoutes = new Set(outcomes.map((outcome) => outcome.routeKey));
    printFigures('fuzzing: defective requests to every route of the manifest', {
      'requests (target ≥ 10,000)': outcomes.length,
      'routes fuzzed / routes in the manifest': `${coveredRoutes.size} / ${targets.length}`,
      'by family: body / signed webhook / path / query+headers / auth': `${byFamily('body')} / ${byFamily('signed')} / ${byFamily('path')} / ${byFamily('query')} / ${byFamily('auth')}`,
      'distinct mutations': new Set(outcomes.map((outcome) => outcome.mutation.replace(/\d+/g, 'N'))).size,
      'answers 2xx / 4xx': `${count((o) => o.status >= 200 && o.status < 300)} / ${count((o) => o.status >= 400 && o.status < 500)}`,
      'status codes': [...statusCounts].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' '),
      'answers 5xx (target 0)': count((o) => o.status >= 500),
      'broken connections (target 0)': count((o) => o.status === 0),
      'handler crashes logged by the stack (target 0)': endStats.log.unhandledErrors - startStats.log.unhandledErrors,
      'stack healthy afterwards': health.status === 200 ? 'yes' : `no (${health.status})`,
      'state changes: items, messages sent (target 0)': changes.length,
      'rate state touched (form attempt counters, import pace; by design)': rateCounters,
      'property failures': failures.length,
      'seed (OPTGATE_RELIABILITY_SEED)': seed,
      'run time': `${seconds.toFixed(1)} s (${(outcomes.length / seconds).toFixed(0)} requests/s)`,
    });
    if (failures.length > 0) console.log(failures.slice(0, 20).join('\n'));
    if (changes.length > 0) console.log(changes.slice(0, 20).join('\n'));

    expect(outcomes.length).toBeGreaterThanOrEqual(10_000);
    expect([...coveredRoutes].sort()).toEqual(targets.map((target) => target.routeKey).sort());
    expect(failures).toEqual([]);
    expect(count((o) => o.status === 0 || o.status >= 500)).toBe(0);
    expect(endStats.log.unhandledErrors - startStats.log.unhandledErrors).toBe(0);
    expect(health.status).toBe(200);
    expect(changes).toEqual([]);
  });

  it('takes any JSON in free-form fields (consent evidence, profile attributes) with a 200 or a 400, never a 5xx', async () => {
    // Valid requests that may change state, so after the comparison above, in the same account.
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('evidence', 'attributes'), fc.jsonValue({ maxDepth: 12 }), fc.oneof(fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }), fc.bigInt()), async (field, value, big) => {
        const contact = encodeURIComponent(uniquePhone());
        const free = `{"v":${JSON.stringify(value) ?? 'null'},"big":${big.toString()}}`;
        const response =
          field === 'evidence'
            ? await api('PUT', `/v1/contacts/${contact}/consent`, { key: context.accountKey, body: `{"channel":"sms","status":"opted_in","evidence":${free}}`, headers: { 'content-type': 'application/json' } })
            : await api('PUT', `/v1/contacts/${contact}`, { key: context.accountKey, body: `{"name":"Fuzz","attributes":${free}}`, headers: { 'content-type': 'application/json' } });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        return response.status === 200 || response.status === 400;
      }),
      { numRuns: 400, seed },
    );
    printFigures('fuzzing: arbitrary JSON (deep, huge and tiny numbers, big integers) in free-form fields', {
      requests: [...statuses.values()].reduce((sum, n) => sum + n, 0),
      'status codes': [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' '),
    });
  });
});
