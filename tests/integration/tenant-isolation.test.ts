import { beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../shared/manifest.ts';
import { api, createLine, uniquePhone } from '../support/api-client.ts';
import { setUpTenants, victimView, withoutExportTime } from '../support/tenants.ts';
import { postTwilio, twilioParams } from '../support/twilio.ts';

/**
 * Account B holds a valid key and knows A's ids (line, rule, contact): every account route must
 * still answer only with B's own data, and change nothing of A's. (npm run test:reliability probes
 * every account route of the manifest the same way, with forged ids too: tests/reliability/tenant-isolation.test.ts.)
 */
describe('tenant isolation: account B against account A', () => {
  let a: { apiKey: string };
  let b: { apiKey: string };
  let aLine: { lineId: string; address: string };
  let aRuleId: string;
  let aFormId: string;
  let aContact: string;
  let encodedContact: string;

  beforeAll(async () => {
    const tenants = await setUpTenants();
    ({ b } = tenants);
    a = tenants.a;
    aLine = tenants.a.line;
    aRuleId = tenants.a.ruleId;
    aFormId = tenants.a.formId;
    aContact = tenants.a.contact;
    encodedContact = encodeURIComponent(aContact);
  });

  const aState = async (contactPath = encodedContact) => victimView({ apiKey: a.apiKey, formId: aFormId }, decodeURIComponent(contactPath));

  it('lets B read nothing of A', async () => {
    const lines = await api('GET', '/v1/lines', { key: b.apiKey });
    expect(lines.text).not.toContain(aLine.lineId);
    const rules = await api('GET', '/v1/rules', { key: b.apiKey });
    expect(rules.text).not.toContain(aRuleId);
    expect(rules.text).not.toContain('SECRETWORD');
    const settings = await api('GET', '/v1/settings', { key: b.apiKey });
    expect(settings.text).not.toContain('TenantA');
    const consent = await api<{ lines: unknown[]; channels: { status: string }[] }>('GET', `/v1/contacts/${encodedContact}/consent`, { key: b.apiKey });
    expect(consent.body.lines).toEqual([]);
    expect(consent.body.channels.every((entry) => entry.status === 'not_defined')).toBe(true);
    const events = await api<{ events: unknown[] }>('GET', `/v1/contacts/${encodedContact}/events`, { key: b.apiKey });
    expect(events.body.events).toEqual([]);
    const forms = await api('GET', '/v1/forms', { key: b.apiKey });
    expect(forms.text).not.toContain(aFormId);
    expect((await api('GET', `/v1/forms/${aFormId}`, { key: b.apiKey })).status).toBe(404);
    expect((await api('GET', `/v1/reports/snapshot?line=${aLine.lineId}`, { key: b.apiKey })).status).toBe(400);
    const snapshot = await api<{ rows: unknown[] }>('GET', `/v1/reports/snapshot?line=${encodeURIComponent('sms:*')}`, { key: b.apiKey });
    expect(snapshot.body.rows).toEqual([]);
    const report = await api<{ totals: { optOuts: number } }>('GET', '/v1/reports/opt-outs', { key: b.apiKey });
    expect(report.body.totals.optOuts).toBe(0);
    const check = await api<{ decisions: { reason: string }[] }>('POST', '/v1/consent/check', {
      key: b.apiKey,
      json: { items: [{ channel: 'sms', from: aLine.address, to: aContact, category: 'transactional' }] },
    });
    expect(check.body.decisions.map((decision) => decision.reason)).toEqual(['unknown_line']);
  });

  it('lets B change nothing of A, even with A\'s ids', async () => {
    const before = await aState();
    const attempts = [
      await api('DELETE', `/v1/lines/${aLine.lineId}`, { key: b.apiKey }),
      await api('PUT', `/v1/rules/${aRuleId}`, { key: b.apiKey, json: { keyword: 'HIJACK', action: 'opt_in' } }),
      await api('DELETE', `/v1/rules/${aRuleId}`, { key: b.apiKey }),
      await api('PUT', `/v1/contacts/${encodedContact}/consent`, { key: b.apiKey, json: { channel: 'sms', line: aLine.lineId, status: 'opted_in' } }),
      await api('POST', '/v1/rules', { key: b.apiKey, json: { keyword: 'X', action: 'opt_out', lineId: aLine.lineId } }),
      await api('PUT', `/v1/forms/${aFormId}`, { key: b.apiKey, json: { channel: 'sms', description: 'Hijack', confirmationMessage: 'x', buttonText: 'x' } }),
      await api('DELETE', `/v1/forms/${aFormId}`, { key: b.apiKey }),
      await api('POST', '/v1/forms', { key: b.apiKey, json: { channel: 'sms', line: aLine.lineId, description: 'd', confirmationMessage: 'c', buttonText: 'b' } }),
    ];
    expect(attempts.map((response) => response.status)).toEqual([404, 404, 404, 400, 400, 404, 404, 400]);
    for (const response of attempts) expect(response.text).not.toContain(aLine.address);
    // B may record consent for the same person in its own account; that must not touch A's record.
    await api('PUT', `/v1/contacts/${encodedContact}/consent`, { key: b.apiKey, json: { channel: 'sms', status: 'opted_in' } });
    expect(await aState()).toEqual(before);
  });

  it("lets B build no unsubscribe link for A's line, and B's key rotation leaves A's links working", async () => {
    const emailLine = await createLine(a.apiKey, { channel: 'email', provider: 'ses', address: `news@tenant-${Date.now()}.example.com` });
    const contact = `tenant.${Date.now()}@example.org`;
    const forB = await api('POST', '/v1/unsubscribe-links', { key: b.apiKey, json: { line: emailLine.lineId, contact } });
    expect(forB.status).toBe(400);
    expect(forB.text).not.toContain(emailLine.address);
    const forA = await api<{ url: string }>('POST', '/v1/unsubscribe-links', { key: a.apiKey, json: { line: emailLine.lineId, contact } });
    expect((await api('POST', '/v1/unsubscribe-keys', { key: b.apiKey })).status).toBe(201);
    const click = await api('POST', new URL(forA.body.url).pathname, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(click.status).toBe(200);
    const consent = await api<{ lines: { lineId: string; status: string }[] }>('GET', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key: a.apiKey });
    expect(consent.body.lines.find((line) => line.lineId === emailLine.lineId)?.status).toBe('opted_out');
    const inB = await api<{ lines: unknown[] }>('GET', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key: b.apiKey });
    expect(inB.body.lines).toEqual([]);
  });

  it("lets B see, export, erase or re-time none of A's contact data, and import nothing onto A's lines", async () => {
    // A contact only A knows (the earlier test let B record the shared one in B's own account).
    const aContact = uniquePhone();
    const encodedContact = encodeURIComponent(aContact);
    await postTwilio(twilioParams({ from: aContact, to: aLine.address, body: 'STOP' }));
    const before = {
      ...(await aState(encodedContact)),
      profile: (await api('GET', `/v1/contacts/${encodedContact}`, { key: a.apiKey })).text,
      exported: withoutExportTime((await api('GET', `/v1/contacts/${encodedContact}/export`, { key: a.apiKey })).text),
      consentCsv: (await api('GET', '/v1/exports/consent', { key: a.apiKey })).text,
    };
    expect(before.consentCsv).toContain(aContact);

    const listed = await api('GET', `/v1/contacts?prefix=${encodeURIComponent(aContact)}`, { key: b.apiKey });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(aContact);
    expect((await api('GET', `/v1/contacts/${encodedContact}`, { key: b.apiKey })).status).toBe(404);
    const exported = await api('GET', `/v1/contacts/${encodedContact}/export`, { key: b.apiKey });
    expect(exported.status).toBe(404);
    expect(exported.text).not.toContain(aLine.lineId);
    const consentCsv = await api('GET', '/v1/exports/consent', { key: b.apiKey });
    expect(consentCsv.status).toBe(200);
    expect(consentCsv.text).not.toContain(aContact);
    expect(consentCsv.text).not.toContain(aLine.lineId);

    // B's writes under A's contact and line ids land in B's account or are refused, never in A's.
    const profile = await api('PUT', `/v1/contacts/${encodedContact}`, { key: b.apiKey, json: { name: 'Hijacked' } });
    expect(profile.text).not.toContain(aLine.lineId);
    const retention = await api('PUT', `/v1/contacts/${encodedContact}/retention`, { key: b.apiKey, json: { data: { days: 1 }, messageHistory: { days: 1 } } });
    expect(retention.text).not.toContain(aLine.lineId);
    const erased = await api<{ totalDeleted: number }>('DELETE', `/v1/contacts/${encodedContact}`, { key: b.apiKey });
    expect(erased.status).toBe(200);
    expect(erased.text).not.toContain(aLine.lineId);
    const imported = await api<{ rejected: { line: number }[] }>('POST', '/v1/imports', {
      key: b.apiKey,
      body: `contact,channel,line,status,occurredAt\n${aContact},sms,${aLine.lineId},opted_in,2030-01-01T00:00:00Z\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status).toBe(200);
    expect(imported.body.rejected.map((row) => row.line)).toEqual([2]);
    expect(imported.text).not.toContain(aLine.address);

    expect({
      ...(await aState(encodedContact)),
      profile: (await api('GET', `/v1/contacts/${encodedContact}`, { key: a.apiKey })).text,
      exported: withoutExportTime((await api('GET', `/v1/contacts/${encodedContact}/export`, { key: a.apiKey })).text),
      consentCsv: (await api('GET', '/v1/exports/consent', { key: a.apiKey })).text,
    }).toEqual(before);
  });

  it("lets B test no message on A's line, and match or replace none of A's rules", async () => {
    const onALine = await api('POST', '/v1/rules/test', { key: b.apiKey, json: { text: 'SECRETWORD', lineId: aLine.lineId } });
    expect(onALine.status).toBe(400);
    expect(onALine.text).not.toContain(aLine.address);
    const bLine = await createLine(b.apiKey, { provider: 'aws' });
    const onBLine = await api<{ match: unknown }>('POST', '/v1/rules/test', { key: b.apiKey, json: { text: 'SECRETWORD', lineId: bLine.lineId } });
    expect(onBLine.status).toBe(200);
    expect(onBLine.body.match).toBeNull();
    const replacing = await api('POST', '/v1/rules/test', {
      key: b.apiKey,
      json: { text: 'SECRETWORD', lineId: bLine.lineId, replacesRuleId: aRuleId, candidate: { keyword: 'OTHER', action: 'opt_in' } },
    });
    expect(replacing.status).toBe(400);
    expect(replacing.text).not.toContain('SECRETWORD');
  });

  it('covers every account route of the manifest', () => {
    // If a route is added, this list must be extended with a probe above.
    const probed = new Set([
      'GET /v1/lines',
      'POST /v1/lines',
      'DELETE /v1/lines/{lineId}',
      'GET /v1/rules',
      'POST /v1/rules',
      'PUT /v1/rules/{ruleId}',
      'DELETE /v1/rules/{ruleId}',
      'POST /v1/rules/test',
      'GET /v1/settings',
      'PUT /v1/settings',
      'GET /v1/contacts/{contact}/consent',
      'PUT /v1/contacts/{contact}/consent',
      'GET /v1/contacts/{contact}/events',
      'POST /v1/consent/check',
      'POST /v1/unsubscribe-links',
      'POST /v1/unsubscribe-keys',
      'POST /v1/forms',
      'GET /v1/forms',
      'GET /v1/forms/{formId}',
      'PUT /v1/forms/{formId}',
      'DELETE /v1/forms/{formId}',
      'GET /v1/reports/snapshot',
      'GET /v1/reports/opt-outs',
      'GET /v1/contacts',
      'GET /v1/contacts/{contact}',
      'PUT /v1/contacts/{contact}',
      'DELETE /v1/contacts/{contact}',
      'PUT /v1/contacts/{contact}/retention',
      'GET /v1/contacts/{contact}/export',
      'POST /v1/imports',
      'GET /v1/exports/consent',
    ]);
    const accountRoutes = routeTable()
      .filter((route) => !route.isPublic && route.routeKey !== 'POST /v1/accounts')
      .map((route) => route.routeKey);
    expect(accountRoutes.filter((route) => !probed.has(route))).toEqual([]);
  });
});
