import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mapConcurrent } from '../../shared/concurrency/map-concurrent.ts';
import { fuzzTargets, type FuzzTarget } from '../support/fuzz-targets.ts';
import { rawRequest, type RawRequest } from '../support/raw-http.ts';
import { printFigures } from '../support/reliability.ts';
import { captureState, type StackState } from '../support/stack-state.ts';
import { localTable } from '../support/table.ts';
import { setUpTenants, victimView, type VictimAccount } from '../support/tenants.ts';

/**
 * Every account route of the manifest (routes added later included), called by account B with
 * A's real ids and with forged ones (altered, re-spelled, injected), in the path, the body, the
 * query and headers; and with forged keys. Each probe must be denied: nothing of A's in any
 * response that B did not send itself, and nothing of A's changed. Extends the hand-written probes
 * of tests/integration/tenant-isolation.test.ts (same tenants, tests/support/tenants.ts).
 */
interface Probe extends RawRequest {
  routeKey: string;
  kind: 'A ids, B key' | 'forged id' | 'forged key';
  what: string;
}

const digits = (text: string) => text.replace(/\D/g, '');

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** A's ids by the path parameter that carries them; unknown parameter names get a line id. */
function victimIds(a: VictimAccount): Record<string, string> {
  return { lineId: a.line.lineId, ruleId: a.ruleId, formId: a.formId, contact: a.contact };
}

/** Spellings of an id that must still name nothing of A's for B: altered, re-encoded, injected. */
function forgedSpellings(name: string, id: string, a: VictimAccount): { value: string; what: string }[] {
  const spellings = [
    { value: id.toUpperCase(), what: 'upper-cased' },
    { value: `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`, what: 'last character changed' },
    { value: `${id} `, what: 'trailing space' },
    { value: `A#${a.accountId}#${id}`, what: 'key injection with A account id' },
    { value: a.accountId, what: "A's account id" },
    { value: `../${a.accountId}/${id}`, what: 'traversal' },
    { value: '*', what: 'wildcard' },
  ];
  if (name === 'contact') {
    spellings.push(
      { value: `whatsapp:${id}`, what: 'whatsapp: prefix' },
      { value: id.replace(/^\+/, ''), what: 'wa_id spelling' },
      { value: `${id.slice(0, 2)} (${id.slice(2, 5)}) ${id.slice(5, 8)}-${id.slice(8)}`, what: 'formatted number' },
    );
  }
  return spellings;
}

/** The route's example body with each string leaf replaced, in turn, by one of A's identifiers. */
function bodiesWithVictimIds(target: FuzzTarget, a: VictimAccount): { body: string; what: string }[] {
  if (!target.body) return [];
  const ids = [a.line.lineId, a.contact, a.formId, a.ruleId, a.line.address, a.accountId];
  if (target.body.mediaType === 'text/csv') {
    const at = new Date(Date.now() - 60_000).toISOString();
    return [{ body: `contact,channel,line,status,occurredAt\n${a.contact},sms,${a.line.lineId},opted_in,${at}\n`, what: "CSV row on A's line and contact" }];
  }
  const example = target.body.example;
  const encode = (value: unknown) =>
    target.body?.mediaType === 'application/x-www-form-urlencoded' ? new URLSearchParams(value as Record<string, string>).toString() : (JSON.stringify(value) ?? 'null');
  const variants = [{ body: encode(example), what: 'example body' }];
  const leafCount = (JSON.stringify(example).match(/"(?:[^"\\]|\\.)*"(?!\s*:)/g) ?? []).length;
  for (const id of ids) {
    for (let leaf = 0; leaf < Math.max(1, leafCount); leaf += 1) {
      let index = 0;
      const replace = (value: unknown): unknown => {
        if (typeof value === 'string') return index++ === leaf ? id : value;
        if (Array.isArray(value)) return value.map(replace);
        if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replace(inner)]));
        return value;
      };
      variants.push({ body: encode(replace(example)), what: `A id in string field ${leaf + 1}` });
    }
  }
  return variants;
}

function probesFor(target: FuzzTarget, a: VictimAccount, bKey: string): Probe[] {
  const ids = victimIds(a);
  const pathWith = (values: Record<string, string>) => target.template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? a.line.lineId));
  const realPath = pathWith(ids);
  const bodyHeaders = (): [string, string][] => (target.body ? [['content-type', target.body.mediaType]] : []);
  const base = { routeKey: target.routeKey, method: target.method };
  const asB: [string, string] = ['authorization', `Bearer ${bKey}`];
  const probes: Probe[] = [];
  const bodies = bodiesWithVictimIds(target, a);
  const firstBody = bodies[0]?.body;
  probes.push({ ...base, kind: 'A ids, B key', what: "A's ids in the path", path: realPath, headers: [asB, ...bodyHeaders()], ...(firstBody !== undefined ? { body: Buffer.from(firstBody) } : {}) });
  for (const { body, what } of bodies.slice(1)) probes.push({ ...base, kind: 'A ids, B key', what, path: realPath, headers: [asB, ...bodyHeaders()], body: Buffer.from(body) });
  for (const name of target.params) {
    for (const { value, what } of forgedSpellings(name, ids[name] ?? a.line.lineId, a)) {
      probes.push({ ...base, kind: 'forged id', what: `${name}: ${what}`, path: pathWith({ ...ids, [name]: value }), headers: [asB, ...bodyHeaders()], ...(firstBody !== undefined ? { body: Buffer.from(firstBody) } : {}) });
    }
  }
  for (const param of target.query) {
    for (const id of [a.line.lineId, a.contact, `${a.line.lineId.slice(0, -1)}0`, Buffer.from(JSON.stringify({ accountId: a.accountId, contact: a.contact })).toString('base64url')]) {
      probes.push({ ...base, kind: 'A ids, B key', what: `query ${param}`, path: `${realPath}?${param}=${encodeURIComponent(id)}`, headers: [asB] });
    }
  }
  probes.push({ ...base, kind: 'A ids, B key', what: 'account header', path: realPath, headers: [asB, ['x-optgate-account', a.accountId], ['x-account-id', a.accountId], ...bodyHeaders()], ...(firstBody !== undefined ? { body: Buffer.from(firstBody) } : {}) });
  const aKey = a.apiKey;
  for (const { key, what } of [
    { key: `${aKey.slice(0, -1)}${aKey.endsWith('A') ? 'B' : 'A'}`, what: "A's key, last character changed" },
    { key: `${aKey}x`, what: "A's key with a character added" },
    { key: `${aKey.slice(0, 3)}${'0'.repeat(aKey.length - 3)}`, what: "a key of A's key shape" },
  ]) {
    probes.push({ ...base, kind: 'forged key', what, path: realPath, headers: [['authorization', `Bearer ${key}`], ...bodyHeaders()], ...(firstBody !== undefined ? { body: Buffer.from(firstBody) } : {}) });
  }
  return probes;
}

describe('tenant isolation: every account route, with another account\'s key and with forged ids', () => {
  const db = localTable();
  let a: VictimAccount;
  let bKey: string;
  let bAccountId: string;
  let before: StackState;
  let viewBefore: Record<string, unknown>;

  beforeAll(async () => {
    const tenants = await setUpTenants();
    a = tenants.a;
    bKey = tenants.b.apiKey;
    bAccountId = tenants.b.accountId;
    before = await captureState(db);
    viewBefore = await victimView(a, a.contact);
  });

  afterAll(() => db.destroy());

  it('denies every probe: nothing of A in any answer, nothing of A changed', async () => {
    const targets = fuzzTargets().filter((target) => target.auth !== 'public');
    const probes = targets.flatMap((target) => probesFor(target, a, bKey));
    const results = await mapConcurrent(probes, 8, async (probe) => ({ probe, ...(await rawRequest(inject('baseUrl'), probe)) }));
    const after = await captureState(db);

    // What B holds after the probes (its own items, where it may have written A's ids as plain text).
    const bData = [...after.items].filter(([key, item]) => key.startsWith(`A#${bAccountId}`) || item.includes(`"accountId":"${bAccountId}"`)).map(([, item]) => item).join('\n');
    const classified = results.map(({ probe, status, body }) => {
      const answer = body.toString('utf8');
      const sent = `${safeDecode(probe.path)} ${probe.body?.toString('utf8') ?? ''} ${probe.headers.map(([, value]) => value).join(' ')}`;
      const mentioned = (id: string) => sent.includes(id) || bData.includes(id) || (id === a.contact && digits(sent).includes(digits(id)));
      // Anything of A's that B was never told is a leak; one of A's ids is, unless B sent it in this
      // request (an echo) or stored it in its own data itself.
      const leaked = [...a.hidden.filter((secret) => answer.includes(secret)), ...a.ids.filter((id) => answer.includes(id) && !mentioned(id))];
      return { probe, status, leaked };
    });
    const aItem = (key: string, item: string | undefined) => key.startsWith(`A#${a.accountId}`) || (item ?? '').includes(`"accountId":"${a.accountId}"`);
    const changes = [...new Set([...before.items.keys(), ...after.items.keys()])].filter(
      (key) => before.items.get(key) !== after.items.get(key) && (aItem(key, before.items.get(key)) || aItem(key, after.items.get(key))),
    );
    const viewAfter = await victimView(a, a.contact);
    const count = (predicate: (result: (typeof classified)[number]) => boolean) => classified.filter(predicate).length;
    const leaks = classified.filter((result) => result.leaked.length > 0);
    const denied = count((result) => result.leaked.length === 0 && result.status !== 0 && result.status < 500);
    const routes = new Set(classified.map((result) => result.probe.routeKey));
    printFigures('tenant isolation: account B probing account A', {
      'account routes probed / in the manifest': `${routes.size} / ${targets.length}`,
      'probes (A ids with B key / forged ids / forged keys)': `${results.length} (${count((r) => r.probe.kind === 'A ids, B key')} / ${count((r) => r.probe.kind === 'forged id')} / ${count((r) => r.probe.kind === 'forged key')})`,
      'refused 4xx': count((r) => r.status >= 400 && r.status < 500),
      "answered 2xx with B's own (or no) data": count((r) => r.status >= 200 && r.status < 300),
      'answers with any of A\'s data (target 0)': leaks.length,
      '5xx or broken (target 0)': count((r) => r.status === 0 || r.status >= 500),
      "A's items changed (target 0)": changes.length,
      'denied (target 100 %)': `${((denied / results.length) * 100).toFixed(1)} %`,
    });
    for (const leak of leaks.slice(0, 10)) console.log(`LEAK ${leak.probe.method} ${leak.probe.path} (${leak.probe.what}) → ${leak.status}: ${leak.leaked.join(', ')}`);
    for (const change of changes.slice(0, 10)) console.log(`CHANGED ${change}`);

    // The detector is live: A's own key does see what B's probes never did.
    const own = await rawRequest(inject('baseUrl'), { method: 'GET', path: '/v1/rules', headers: [['authorization', `Bearer ${a.apiKey}`]] });
    expect(own.body.toString('utf8')).toContain(a.hidden[0]);

    expect([...routes].sort()).toEqual(targets.map((target) => target.routeKey).sort());
    expect(leaks.map((leak) => `${leak.probe.routeKey} ${leak.probe.what}`)).toEqual([]);
    expect(results.filter((r) => r.status === 0 || r.status >= 500).map((r) => `${r.probe.routeKey} ${r.probe.what} → ${r.status}`)).toEqual([]);
    expect(results.filter((r) => r.probe.kind === 'forged key').every((r) => r.status === 401)).toBe(true);
    expect(changes).toEqual([]);
    expect(viewAfter).toEqual(viewBefore);
    expect(denied).toBe(results.length);
  });
});
