import { ApiError, apiErrorFromResponse } from '../logic/api-error.ts';
import { mergeExportPages } from '../logic/subject-access-export.ts';
import type {
  AccountSettings,
  AccountSettingsPatch,
  ContactConsent,
  ContactExport,
  ContactProfile,
  ErasureReceipt,
  EventsPage,
  FormInput,
  KeywordRule,
  KeywordTestResult,
  Line,
  LineInput,
  NewAccount,
  OptOutReport,
  ReportGroupBy,
  RuleInput,
  SetConsentResult,
  SnapshotPage,
  StoredRule,
  WebFormView,
} from './types.ts';

type Query = Record<string, string | undefined>;

/** A page of a multi-part download: at most this many parts, far beyond any real account's size. */
const MAX_PARTS = 1000;

const contactPath = (contact: string) => `/v1/contacts/${encodeURIComponent(contact)}`;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * The documented admin API, same origin, with `Authorization: Bearer <key>`. Every failure becomes
 * an ApiError that says what happened; a refused key is also reported to `onUnauthorized`, so the
 * console can ask for the key again wherever the call was made.
 */
export class ApiClient {
  constructor(
    private readonly key: string,
    private readonly onUnauthorized: (error: ApiError) => void = () => undefined,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(path, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (error) {
      throw new ApiError('network', error instanceof Error ? error.message : String(error));
    }
    if (!response.ok) {
      const error = apiErrorFromResponse(response.status, response.headers.get('content-type') ?? '', await response.text().catch(() => ''));
      if (error.kind === 'unauthorized') this.onUnauthorized(error);
      throw error;
    }
    return response;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    if (response.status === 204) return undefined as T;
    const type = response.headers.get('content-type') ?? '';
    const text = await response.text();
    if (!type.includes('json')) throw new ApiError('unexpected', `HTTP ${response.status} with ${type || 'no content type'} instead of JSON`, response.status);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError('unexpected', `HTTP ${response.status} with a body that is not valid JSON`, response.status);
    }
  }

  getSettings = () => this.json<AccountSettings>('GET', '/v1/settings');
  putSettings = (patch: AccountSettingsPatch) => this.json<AccountSettings>('PUT', '/v1/settings', patch);

  listLines = async () => (await this.json<{ lines: Line[] }>('GET', '/v1/lines')).lines;
  createLine = (input: LineInput) => this.json<Line>('POST', '/v1/lines', input);
  deleteLine = (lineId: string) => this.json<undefined>('DELETE', `/v1/lines/${encodeURIComponent(lineId)}`);

  listRules = () => this.json<{ rules: StoredRule[]; builtinRules: KeywordRule[] }>('GET', '/v1/rules');
  createRule = (input: RuleInput) => this.json<StoredRule>('POST', '/v1/rules', input);
  replaceRule = (ruleId: string, input: RuleInput) => this.json<StoredRule>('PUT', `/v1/rules/${encodeURIComponent(ruleId)}`, input);
  deleteRule = (ruleId: string) => this.json<undefined>('DELETE', `/v1/rules/${encodeURIComponent(ruleId)}`);
  testRules = (input: { text: string; lineId: string; candidate?: RuleInput; replacesRuleId?: string }) =>
    this.json<KeywordTestResult>('POST', '/v1/rules/test', input);

  searchContacts = async (prefix: string) =>
    (await this.json<{ contacts: ContactProfile[] }>('GET', withQuery('/v1/contacts', { prefix, limit: '20' }))).contacts;
  getConsent = (contact: string) => this.json<ContactConsent>('GET', `${contactPath(contact)}/consent`);
  setConsent = (contact: string, input: { channel: string; line?: string; status: string; note: string }) =>
    this.json<SetConsentResult>('PUT', `${contactPath(contact)}/consent`, input);
  listEvents = (contact: string, cursor?: string) => this.json<EventsPage>('GET', withQuery(`${contactPath(contact)}/events`, { limit: '25', cursor }));
  eraseContact = (contact: string) => this.json<ErasureReceipt>('DELETE', contactPath(contact));

  /** The whole subject access export, following `nextCursor` for very large contacts. */
  exportContact = async (contact: string): Promise<ContactExport> => {
    const pages: ContactExport[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.json<ContactExport>('GET', withQuery(`${contactPath(contact)}/export`, { cursor }));
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < MAX_PARTS);
    return mergeExportPages(pages);
  };

  getForm = (formId: string) => this.json<WebFormView>('GET', `/v1/forms/${encodeURIComponent(formId)}`);
  listForms = async () => (await this.json<{ forms: WebFormView[] }>('GET', '/v1/forms')).forms;
  createForm = (input: FormInput) => this.json<WebFormView>('POST', '/v1/forms', input);
  replaceForm = (formId: string, input: FormInput) => this.json<WebFormView>('PUT', `/v1/forms/${encodeURIComponent(formId)}`, input);
  deleteForm = (formId: string) => this.json<undefined>('DELETE', `/v1/forms/${encodeURIComponent(formId)}`);

  snapshot = (lines: readonly string[], status: string, cursor?: string) =>
    this.json<SnapshotPage>('GET', withQuery('/v1/reports/snapshot', { line: lines.join(','), status, limit: '100', cursor }));

  /** The snapshot as one CSV file: the API sends parts of up to 10,000 rows, each naming the next (X-Next-Cursor). */
  snapshotCsv = async (lines: readonly string[], status: string): Promise<string> => {
    const parts: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await this.send('GET', withQuery('/v1/reports/snapshot', { line: lines.join(','), status, format: 'csv', cursor }));
      parts.push(await response.text());
      cursor = response.headers.get('x-next-cursor') ?? undefined;
    } while (cursor && parts.length < MAX_PARTS);
    return parts.join('');
  };

  optOutReport = (groupBy: ReportGroupBy, from: string, to: string) =>
    this.json<OptOutReport>('GET', withQuery('/v1/reports/opt-outs', { groupBy, from, to }));

  /** Operator key only. */
  createAccount = (name: string) => this.json<NewAccount>('POST', '/v1/accounts', { name });
}
