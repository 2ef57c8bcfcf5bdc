import { api, createAccount, createLine, uniquePhone } from './api-client.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from './twilio.ts';

/** Account A's data that account B must never reach: its ids, and words only A's data contains. */
export interface VictimAccount {
  accountId: string;
  apiKey: string;
  line: { lineId: string; address: string };
  ruleId: string;
  formId: string;
  /** A contact who texted STOP to A's line. */
  contact: string;
  /** Ids of A's that a prober may well send (and so may see echoed, or stored in its own data). */
  ids: string[];
  /**
   * Strings in A's data that no prober is ever told: A's keyword, brand, Twilio token and a second
   * contact. One of them in another account's answer can only come from reading A's data.
   */
  hidden: string[];
}

/**
 * Two tenants for isolation probes: A with a Twilio line, a custom rule, a form, a brand name and a
 * contact who opted out; B with only its key (and whatever a probe makes it create).
 */
export async function setUpTenants(): Promise<{ a: VictimAccount; b: { accountId: string; apiKey: string } }> {
  const a = await createAccount('Tenant A');
  const b = await createAccount('Tenant B');
  const line = await createLine(a.apiKey, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
  const keyword = 'SECRETWORD';
  const rule = await api<{ ruleId: string }>('POST', '/v1/rules', { key: a.apiKey, json: { keyword, action: 'opt_out' } });
  const contact = uniquePhone();
  await postTwilio(twilioParams({ from: contact, to: line.address, body: 'STOP' }));
  const hiddenContact = uniquePhone();
  await postTwilio(twilioParams({ from: hiddenContact, to: line.address, body: 'STOP' }));
  const brand = 'TenantA';
  await api('PUT', '/v1/settings', { key: a.apiKey, json: { brandName: brand } });
  const form = await api<{ formId: string }>('POST', '/v1/forms', {
    key: a.apiKey,
    json: { channel: 'sms', line: line.lineId, description: `${brand} deals`, confirmationMessage: 'Yes', buttonText: 'Join' },
  });
  if (rule.status !== 201 || form.status !== 201) throw new Error(`tenant setup failed: ${rule.status} ${form.status}`);
  return {
    a: {
      accountId: a.accountId,
      apiKey: a.apiKey,
      line,
      ruleId: rule.body.ruleId,
      formId: form.body.formId,
      contact,
      ids: [a.accountId, line.lineId, line.address, rule.body.ruleId, form.body.formId, contact],
      hidden: [keyword, brand, TWILIO_AUTH_TOKEN, hiddenContact],
    },
    b,
  };
}

/** A subject access export, minus the moment it was made. */
export function withoutExportTime(exportJson: string): unknown {
  const { exportedAt: _exportedAt, ...rest } = JSON.parse(exportJson) as Record<string, unknown>;
  return rest;
}

/** Everything A sees of its own data (what B's probes must leave as it was). */
export async function victimView(a: Pick<VictimAccount, 'apiKey' | 'formId'>, contact: string): Promise<Record<string, unknown>> {
  const path = encodeURIComponent(contact);
  const text = async (route: string) => (await api('GET', route, { key: a.apiKey })).text;
  return {
    lines: await text('/v1/lines'),
    rules: await text('/v1/rules'),
    settings: await text('/v1/settings'),
    consent: await text(`/v1/contacts/${path}/consent`),
    events: await text(`/v1/contacts/${path}/events`),
    form: await text(`/v1/forms/${a.formId}`),
  };
}
