import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.ts';
import { CHANNEL_NAMES, type Channel, type KeywordRule, type KeywordTestResult, type Line, type StoredRule } from '../api/types.ts';
import { ChannelOptions } from '../components/channel-options.tsx';
import { ErrorNotice, Loading, Notice } from '../components/notice.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { useLoad } from '../components/use-load.ts';
import { rulesForLine } from '../logic/rules-for-line.ts';
import { draftFromRule, EMPTY_RULE_DRAFT, isTestableDraft, ruleInputFromDraft, scopeApplies, type RuleDraft } from '../logic/rule-draft.ts';

const ACTIONS: Record<KeywordRule['action'], string> = {
  opt_out: 'Opt out',
  opt_in: 'Opt in',
  help: 'Help reply',
  reply: 'Reply only',
};

const LANGUAGES: Record<string, string> = { en: 'English', fr: 'French', es: 'Spanish', it: 'Italian', de: 'German', pt: 'Portuguese' };

function lineLabel(line: Line): string {
  return line.name ? `${line.name} (${line.address})` : line.address;
}

function appliesTo(rule: KeywordRule, lines: readonly Line[]): string {
  if (rule.lineId) {
    const line = lines.find((candidate) => candidate.lineId === rule.lineId);
    return line ? lineLabel(line) : `line ${rule.lineId} (deleted)`;
  }
  return rule.channel ? `Every ${CHANNEL_NAMES[rule.channel]} line` : 'Every line';
}

function scopeText(rule: Pick<KeywordRule, 'action' | 'scope' | 'channel'>): string {
  if (!scopeApplies(rule.action)) return '—';
  return rule.scope === 'channel' ? 'Whole channel (like STOPALL)' : 'The line messaged';
}

function CustomRules({
  api,
  rules,
  lines,
  filtered,
  onEdit,
  onDeleted,
}: {
  api: ApiClient;
  rules: StoredRule[];
  lines: Line[];
  filtered: boolean;
  onEdit: (rule: StoredRule) => void;
  onDeleted: () => void;
}) {
  const [confirming, setConfirming] = useState<string>();
  const [error, setError] = useState<unknown>();
  const remove = async (rule: StoredRule) => {
    setError(undefined);
    try {
      await api.deleteRule(rule.ruleId);
      setConfirming(undefined);
      onDeleted();
    } catch (failure) {
      setError(failure);
    }
  };
  if (rules.length === 0) {
    return <p>{filtered ? 'No custom rule applies to this line: the built-in keywords below do.' : 'No custom rules yet: the built-in keywords below apply on every line.'}</p>;
  }
  return (
    <>
      {error !== undefined && <ErrorNotice error={error} />}
      <TableScroll label="Custom rules">
        <table class="stack">
          <caption class="visually-hidden">Custom keyword rules; line rules beat account rules, which beat the built-in keywords</caption>
          <thead>
            <tr>
              <th scope="col">Keyword</th>
              <th scope="col">Match</th>
              <th scope="col">Action</th>
              <th scope="col">Scope</th>
              <th scope="col">Applies to</th>
              <th scope="col">Reply</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule) => (
              <tr key={rule.ruleId}>
                <th scope="row">{rule.keyword}</th>
                <td data-label="Match">{rule.matchMode === 'exact' ? 'Whole message' : 'First word'}</td>
                <td data-label="Action">{ACTIONS[rule.action]}</td>
                <td data-label="Scope">{scopeText(rule)}</td>
                <td data-label="Applies to">{appliesTo(rule, lines)}</td>
                <td data-label="Reply" class="reply-cell">
                  {rule.replyText ?? <span class="sub">Built-in wording</span>}
                </td>
                <td class="row-actions">
                  {confirming === rule.ruleId ? (
                    <>
                      <button type="button" class="danger small" onClick={() => void remove(rule)}>
                        Delete {rule.keyword}
                      </button>
                      <button type="button" class="secondary small" onClick={() => setConfirming(undefined)}>
                        Keep
                      </button>
                    </>
                  ) : (
                    <>
                      <button type="button" class="secondary small" onClick={() => onEdit(rule)} aria-label={`Edit rule ${rule.keyword}`}>
                        Edit
                      </button>
                      <button type="button" class="secondary small" onClick={() => setConfirming(rule.ruleId)} aria-label={`Delete rule ${rule.keyword}…`}>
                        Delete…
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}

function RuleEditor({
  api,
  lines,
  editing,
  draft,
  setDraft,
  onSaved,
  onCancel,
}: {
  api: ApiClient;
  lines: Line[];
  editing?: StoredRule;
  draft: RuleDraft;
  setDraft: (draft: RuleDraft) => void;
  onSaved: (message: string) => void;
  onCancel: () => void;
}) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const update = (patch: Partial<RuleDraft>) => setDraft({ ...draft, ...patch });
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const input = ruleInputFromDraft(draft);
      const saved = editing ? await api.replaceRule(editing.ruleId, input) : await api.createRule(input);
      onSaved(`${editing ? 'Saved' : 'Added'} the rule ${saved.keyword}.`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const linesOfChannel = lines.filter((line) => !draft.channel || line.channel === draft.channel);
  return (
    <form onSubmit={save} class="panel" aria-labelledby="editor-heading">
      <h2 id="editor-heading">{editing ? `Edit rule ${editing.keyword}` : 'Add a rule'}</h2>
      <div class="grid">
        <div class="field">
          <label for="rule-keyword">Keyword</label>
          <input id="rule-keyword" required maxLength={40} value={draft.keyword} onInput={(event) => update({ keyword: event.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="rule-match">Matches</label>
          <select id="rule-match" value={draft.matchMode} onChange={(event) => update({ matchMode: event.currentTarget.value as RuleDraft['matchMode'] })}>
            <option value="exact">The whole message</option>
            <option value="first_word">The first word</option>
          </select>
        </div>
        <div class="field">
          <label for="rule-action">Action</label>
          <select id="rule-action" value={draft.action} onChange={(event) => update({ action: event.currentTarget.value as RuleDraft['action'] })}>
            {Object.entries(ACTIONS).map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="rule-scope">Scope</label>
          <select
            id="rule-scope"
            value={scopeApplies(draft.action) ? draft.scope : 'line'}
            disabled={!scopeApplies(draft.action)}
            onChange={(event) => update({ scope: event.currentTarget.value as RuleDraft['scope'] })}
          >
            <option value="line">The line messaged</option>
            <option value="channel">Every line of the channel</option>
          </select>
        </div>
        <div class="field">
          <label for="rule-channel">Channel</label>
          <select id="rule-channel" value={draft.channel} onChange={(event) => update({ channel: event.currentTarget.value as Channel | '', lineId: '' })}>
            <option value="">Every channel</option>
            <ChannelOptions />
          </select>
        </div>
        <div class="field">
          <label for="rule-line">Line</label>
          <select id="rule-line" value={draft.lineId} onChange={(event) => update({ lineId: event.currentTarget.value })}>
            <option value="">Every line (account rule)</option>
            {linesOfChannel.map((line) => (
              <option key={line.lineId} value={line.lineId}>
                {lineLabel(line)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="rule-language">Reply language</label>
          <select id="rule-language" value={draft.language} onChange={(event) => update({ language: event.currentTarget.value })}>
            <option value="">As the keyword's built-in, else English</option>
            {Object.entries(LANGUAGES).map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div class="field">
        <label for="rule-reply">Reply text{draft.action === 'reply' ? ' (required)' : ' (optional)'}</label>
        <textarea
          id="rule-reply"
          rows={2}
          maxLength={320}
          required={draft.action === 'reply'}
          aria-describedby="rule-reply-hint"
          value={draft.replyText}
          onInput={(event) => update({ replyText: event.currentTarget.value })}
        />
        <p id="rule-reply-hint" class="hint">
          {'{brand}'} is replaced by the line's or the account's brand name. Left empty, opt-out, opt-in and help rules answer with the built-in wording.
        </p>
      </div>
      {error !== undefined && <ErrorNotice error={error} />}
      <p class="actions">
        <button type="submit" disabled={busy}>
          {editing ? 'Save rule' : 'Add rule'}
        </button>
        {(editing || draft !== EMPTY_RULE_DRAFT) && (
          <button type="button" class="secondary" onClick={onCancel}>
            {editing ? 'Cancel editing' : 'Clear'}
          </button>
        )}
      </p>
    </form>
  );
}

function describeOutcome(result: KeywordTestResult): { action: string; consent: string; reply: string } {
  const channel = CHANNEL_NAMES[result.line.channel];
  const where = result.consentChange?.scope === 'channel' ? `every ${channel} line` : 'this line';
  const consent = result.consentChange ? `${result.consentChange.status === 'opted_out' ? 'Opted out' : 'Opted in'} on ${where}` : 'No consent change';
  const action = result.match ? ACTIONS[result.match.rule.action] : 'Nothing';
  const reply = result.reply ?? (result.line.channel === 'email' ? 'No reply: optgate never replies to email.' : 'No reply.');
  return { action, consent, reply };
}

function Tester({ api, lines, draft, editing }: { api: ApiClient; lines: Line[]; draft: RuleDraft; editing?: StoredRule }) {
  const [text, setText] = useState('');
  const [lineId, setLineId] = useState(lines[0]?.lineId ?? '');
  const [withDraft, setWithDraft] = useState(true);
  const [result, setResult] = useState<{ data?: KeywordTestResult; error?: unknown }>();
  const draftTestable = isTestableDraft(draft);
  const includeDraft = withDraft && draftTestable;
  const draftKey = JSON.stringify(ruleInputFromDraft(draft));

  const run = async () => {
    if (!text.trim() || !lineId) return;
    try {
      const data = await api.testRules({
        text,
        lineId,
        ...(includeDraft ? { candidate: ruleInputFromDraft(draft), ...(editing ? { replacesRuleId: editing.ruleId } : {}) } : {}),
      });
      setResult({ data });
    } catch (failure) {
      setResult({ error: failure });
    }
  };
  // Live: the answer follows the message, the line and the rule being written, a moment after typing stops.
  useEffect(() => {
    const timer = setTimeout(() => void run(), 300);
    return () => clearTimeout(timer);
  }, [text, lineId, includeDraft, draftKey, editing?.ruleId]);

  const outcome = result?.data ? describeOutcome(result.data) : undefined;
  return (
    <form
      class="panel tester"
      aria-labelledby="tester-heading"
      onSubmit={(event) => {
        event.preventDefault();
        void run();
      }}
    >
      <h2 id="tester-heading">Test a message</h2>
      {lines.length === 0 ? (
        <p>Add a line under Settings to test messages sent to it.</p>
      ) : (
        <>
          <div class="grid">
            <div class="field">
              <label for="test-text">Message</label>
              <input id="test-text" value={text} placeholder="Stop please" onInput={(event) => setText(event.currentTarget.value)} />
            </div>
            <div class="field">
              <label for="test-line">Sent to line</label>
              <select id="test-line" value={lineId} onChange={(event) => setLineId(event.currentTarget.value)}>
                {lines.map((line) => (
                  <option key={line.lineId} value={line.lineId}>
                    {lineLabel(line)} · {CHANNEL_NAMES[line.channel]}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <label class="check">
            <input type="checkbox" checked={withDraft} onChange={(event) => setWithDraft(event.currentTarget.checked)} />{' '}
            {editing ? `Use the edited rule ${editing.keyword} (not saved yet)` : 'Include the rule being added (not saved yet)'}
          </label>
          <p class="actions">
            <button type="submit" class="secondary">
              Test
            </button>
          </p>
        </>
      )}
      <div class="test-result" aria-live="polite">
        {result?.error !== undefined && <ErrorNotice error={result.error} />}
        {result?.data && outcome && (
          <dl class="facts">
            <div>
              <dt>Matching rule</dt>
              <dd>
                {result.data.match ? (
                  <>
                    <strong>{result.data.match.rule.keyword}</strong>{' '}
                    {result.data.match.candidate ? (
                      <span class="tag">this unsaved rule</span>
                    ) : (
                      <span class="tag">{result.data.match.rule.origin === 'builtin' ? `built-in, ${LANGUAGES[result.data.match.language] ?? result.data.match.language}` : `custom ${result.data.match.rule.origin} rule`}</span>
                    )}
                  </>
                ) : (
                  'None'
                )}
              </dd>
            </div>
            <div>
              <dt>Action</dt>
              <dd>{outcome.action}</dd>
            </div>
            <div>
              <dt>Consent</dt>
              <dd>{outcome.consent}</dd>
            </div>
            <div>
              <dt>Reply</dt>
              <dd class="reply">{outcome.reply}</dd>
            </div>
            <div>
              <dt>Read as</dt>
              <dd>
                <code>{result.data.normalizedText || '(nothing)'}</code>
              </dd>
            </div>
            {result.data.flaggedRevocation && (
              <div>
                <dt>Review</dt>
                <dd>No rule matches, but it reads like a request to stop: it would be flagged for review in the audit trail.</dd>
              </div>
            )}
          </dl>
        )}
      </div>
    </form>
  );
}

function BuiltinRules({ rules }: { rules: KeywordRule[] }) {
  const languages = [...new Set(rules.map((rule) => rule.language ?? 'en'))];
  return (
    <details class="panel">
      <summary>
        <h2 class="inline">Built-in keywords ({rules.length})</h2>
      </summary>
      <p>Every line answers to these without configuration; a custom rule with the same keyword replaces one.</p>
      {languages.map((language) => (
        <TableScroll key={language} label={`Built-in keywords in ${LANGUAGES[language] ?? language}`}>
          <table>
            <caption>{LANGUAGES[language] ?? language}</caption>
            <thead>
              <tr>
                <th scope="col">Keyword</th>
                <th scope="col">Action</th>
                <th scope="col">Scope</th>
                <th scope="col">Reply</th>
              </tr>
            </thead>
            <tbody>
              {rules
                .filter((rule) => (rule.language ?? 'en') === language)
                .map((rule) => (
                  <tr key={rule.ruleId}>
                    <th scope="row">{rule.keyword}</th>
                    <td>{ACTIONS[rule.action]}</td>
                    <td>{scopeText(rule)}</td>
                    <td class="reply-cell">{rule.replyText ?? '—'}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </TableScroll>
      ))}
    </details>
  );
}

/** Rules: the account's keyword rules by line, an editor, a live tester, and the built-in keywords. */
export function RulesPage({ api }: { api: ApiClient }) {
  const data = useLoad(() => Promise.all([api.listRules(), api.listLines()]), [api]);
  const [editing, setEditing] = useState<StoredRule>();
  const [draft, setDraft] = useState<RuleDraft>(EMPTY_RULE_DRAFT);
  const [saved, setSaved] = useState<string>();
  const [lineFilter, setLineFilter] = useState('');
  const shownRules = (rules: StoredRule[], lines: Line[]) => {
    const line = lines.find((candidate) => candidate.lineId === lineFilter);
    return line ? rulesForLine(rules, line) : rules;
  };
  const reset = () => {
    setEditing(undefined);
    setDraft(EMPTY_RULE_DRAFT);
  };
  return (
    <>
      <PageHeading>Rules</PageHeading>
      <p>
        Inbound messages are matched on their whole text (or first word), never inside a sentence: a line's rules first, then the account's, then the built-in keywords; the
        longest keyword wins among equals.
      </p>
      {data.error !== undefined && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {!data.data && data.error === undefined && <Loading what="the rules" />}
      {data.data && (
        <>
          <section aria-labelledby="custom-heading">
            <h2 id="custom-heading">Custom rules</h2>
            {data.data[1].length > 0 && (
              <div class="field narrow">
                <label for="rules-line">Show the rules for</label>
                <select id="rules-line" value={lineFilter} onChange={(event) => setLineFilter(event.currentTarget.value)}>
                  <option value="">Every line</option>
                  {data.data[1].map((line) => (
                    <option key={line.lineId} value={line.lineId}>
                      {lineLabel(line)} · {CHANNEL_NAMES[line.channel]}
                    </option>
                  ))}
                </select>
              </div>
            )}
            {saved && (
              <Notice tone="success">
                <p>{saved}</p>
              </Notice>
            )}
            <CustomRules
              api={api}
              rules={shownRules(data.data[0].rules, data.data[1])}
              filtered={lineFilter !== ''}
              lines={data.data[1]}
              onEdit={(rule) => {
                setSaved(undefined);
                setEditing(rule);
                setDraft(draftFromRule(rule));
                document.getElementById('rule-keyword')?.focus();
              }}
              onDeleted={() => {
                setSaved('Rule deleted.');
                reset();
                data.reload();
              }}
            />
          </section>
          <div class="two-columns">
            <RuleEditor
              key={editing?.ruleId ?? 'new'}
              api={api}
              lines={data.data[1]}
              editing={editing}
              draft={draft}
              setDraft={setDraft}
              onSaved={(message) => {
                setSaved(message);
                reset();
                data.reload();
              }}
              onCancel={reset}
            />
            <Tester api={api} lines={data.data[1]} draft={draft} editing={editing} />
          </div>
          <BuiltinRules rules={data.data[0].builtinRules} />
        </>
      )}
    </>
  );
}

