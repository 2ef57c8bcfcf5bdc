import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.ts';
import { CHANNEL_LIST, CHANNEL_NAMES, type AccountSettings, type Channel, type Line, type LineInput } from '../api/types.ts';
import { ChannelOptions } from '../components/channel-options.tsx';
import { ErrorNotice, Loading, Notice } from '../components/notice.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { useLoad } from '../components/use-load.ts';
import { draftFromSettings, patchFromDraft, type ChannelDraft, type SettingsDraft } from '../logic/settings-draft.ts';

/** Time zones the browser knows, for the time zone field's suggestions. */
function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

function ChannelPolicy({ channel, draft, onChange }: { channel: Channel; draft: ChannelDraft; onChange: (draft: ChannelDraft) => void }) {
  const id = (field: string) => `${channel}-${field}`;
  const name = CHANNEL_NAMES[channel];
  return (
    <fieldset class="channel-policy">
      <legend>{name}</legend>
      <div class="switch-row">
        <input
          id={id('default')}
          type="checkbox"
          role="switch"
          class="switch"
          checked={draft.optedInByDefault}
          aria-describedby={id('default-hint')}
          onChange={(event) => onChange({ ...draft, optedInByDefault: event.currentTarget.checked })}
        />
        <label for={id('default')}>Opted in by default</label>
        <span id={id('default-hint')} class="sub">
          Contacts with no {name} record count as <StatusBadge status={draft.optedInByDefault ? 'opted_in' : 'opted_out'} />
        </span>
      </div>
      <div class="field">
        <label for={id('blocks')}>After an opt-out, block</label>
        <select id={id('blocks')} value={draft.optOutBlocks} onChange={(event) => onChange({ ...draft, optOutBlocks: event.currentTarget.value as ChannelDraft['optOutBlocks'] })}>
          <option value="all">Every message, transactional too</option>
          <option value="marketing">Marketing only</option>
        </select>
      </div>
      <div class="switch-row">
        <input
          id={id('quiet')}
          type="checkbox"
          role="switch"
          class="switch"
          checked={draft.quietHours}
          onChange={(event) => onChange({ ...draft, quietHours: event.currentTarget.checked })}
        />
        <label for={id('quiet')}>Quiet hours for marketing</label>
      </div>
      <div class="grid">
        <div class="field">
          <label for={id('from')}>Marketing allowed from</label>
          <input id={id('from')} type="time" required={draft.quietHours} disabled={!draft.quietHours} value={draft.allowedFrom} onInput={(event) => onChange({ ...draft, allowedFrom: event.currentTarget.value })} />
        </div>
        <div class="field">
          <label for={id('until')}>until</label>
          <input id={id('until')} type="time" required={draft.quietHours} disabled={!draft.quietHours} value={draft.allowedUntil} onInput={(event) => onChange({ ...draft, allowedUntil: event.currentTarget.value })} />
        </div>
      </div>
    </fieldset>
  );
}

function SettingsForm({ api, settings, onSaved }: { api: ApiClient; settings: AccountSettings; onSaved: (settings: AccountSettings) => void }) {
  const [draft, setDraft] = useState<SettingsDraft>(() => draftFromSettings(settings));
  const [outcome, setOutcome] = useState<{ error?: unknown; saved?: boolean }>();
  const [busy, setBusy] = useState(false);
  const update = (patch: Partial<SettingsDraft>) => {
    setOutcome(undefined);
    setDraft({ ...draft, ...patch });
  };
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setOutcome(undefined);
    try {
      const saved = await api.putSettings(patchFromDraft(draft));
      setDraft(draftFromSettings(saved));
      setOutcome({ saved: true });
      onSaved(saved);
    } catch (failure) {
      setOutcome({ error: failure });
    } finally {
      setBusy(false);
    }
  };
  const zones = timeZones();
  return (
    <form onSubmit={save} aria-labelledby="policy-heading">
      <section class="panel">
        <h2 id="policy-heading">Consent defaults and policy</h2>
        <p class="hint">The default is what a contact's status is on a channel where nothing is recorded; marketing always needs an opt-in.</p>
        <div class="policies">
          {CHANNEL_LIST.map((channel) => (
            <ChannelPolicy key={channel} channel={channel} draft={draft.channels[channel]} onChange={(next) => update({ channels: { ...draft.channels, [channel]: next } })} />
          ))}
        </div>
      </section>
      <section class="panel" aria-labelledby="retention-heading">
        <h2 id="retention-heading">Retention</h2>
        <div class="grid">
          <div class="field">
            <label for="data-months">Keep consent data (months)</label>
            <input id="data-months" type="number" min={1} max={120} required value={draft.dataMonths} onInput={(event) => update({ dataMonths: event.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="history-months">Keep message history (months)</label>
            <input
              id="history-months"
              type="number"
              min={1}
              max={120}
              required
              value={draft.messageHistoryMonths}
              onInput={(event) => update({ messageHistoryMonths: event.currentTarget.value })}
            />
          </div>
        </div>
        <p class="hint">A change applies to existing data too, in the background.</p>
      </section>
      <section class="panel" aria-labelledby="other-heading">
        <h2 id="other-heading">Replies, time and forms</h2>
        <div class="grid">
          <div class="field">
            <label for="brand-name">Brand name in replies</label>
            <input id="brand-name" maxLength={40} value={draft.brandName} onInput={(event) => update({ brandName: event.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="time-zone">Time zone for quiet hours when the number does not tell</label>
            <input id="time-zone" list="time-zones" placeholder="UTC" value={draft.defaultTimeZone} onInput={(event) => update({ defaultTimeZone: event.currentTarget.value })} />
            <datalist id="time-zones">
              {zones.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </div>
          <div class="field">
            <label for="attribution">Opt-out attribution window (hours)</label>
            <input id="attribution" type="number" min={1} max={168} placeholder="72" value={draft.attributionWindowHours} onInput={(event) => update({ attributionWindowHours: event.currentTarget.value })} />
          </div>
        </div>
        <div class="field">
          <label for="origins">Sites that may embed your forms (one origin per line)</label>
          <textarea
            id="origins"
            rows={3}
            placeholder="https://www.example.com"
            aria-describedby="origins-hint"
            value={draft.allowedOrigins}
            onInput={(event) => update({ allowedOrigins: event.currentTarget.value })}
          />
          <p id="origins-hint" class="hint">
            Scheme and host, such as https://www.example.com or https://*.example.com. Other sites cannot show your forms in a frame.
          </p>
        </div>
      </section>
      {outcome?.error !== undefined && <ErrorNotice error={outcome.error} />}
      {outcome?.saved && (
        <Notice tone="success">
          <p>Settings saved.</p>
        </Notice>
      )}
      <p class="actions">
        <button type="submit" disabled={busy}>
          Save settings
        </button>
      </p>
    </form>
  );
}

const PROVIDERS: Record<Channel, { value: string; label: string; credentials: { name: string; label: string }[]; providerId?: string }[]> = {
  sms: [
    { value: 'twilio', label: 'Twilio', credentials: [{ name: 'authToken', label: 'Twilio auth token' }] },
    { value: 'aws', label: 'AWS End User Messaging', credentials: [] },
  ],
  whatsapp: [
    {
      value: 'meta',
      label: 'Meta WhatsApp Cloud API',
      providerId: 'Phone number id',
      credentials: [
        { name: 'appSecret', label: 'App secret' },
        { name: 'verifyToken', label: 'Verify token' },
        { name: 'accessToken', label: 'Access token' },
      ],
    },
    { value: 'twilio', label: 'Twilio', credentials: [{ name: 'authToken', label: 'Twilio auth token' }] },
  ],
  email: [{ value: 'ses', label: 'Amazon SES', credentials: [] }],
};

function LinesSection({ api }: { api: ApiClient }) {
  const lines = useLoad(() => api.listLines(), [api]);
  const [channel, setChannel] = useState<Channel>('sms');
  const [provider, setProvider] = useState('twilio');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<{ error?: unknown; message?: string }>();
  const [confirming, setConfirming] = useState<string>();
  const providerInfo = PROVIDERS[channel].find((candidate) => candidate.value === provider) ?? PROVIDERS[channel][0];
  const field = (name: string) => fields[name] ?? '';
  const set = (name: string, value: string) => setFields({ ...fields, [name]: value });

  const add = async (event: Event) => {
    event.preventDefault();
    setOutcome(undefined);
    const credentials = Object.fromEntries((providerInfo?.credentials ?? []).map((credential) => [credential.name, field(credential.name)]));
    const input: LineInput = {
      channel,
      provider: providerInfo?.value ?? provider,
      address: field('address').trim(),
      ...(field('name').trim() ? { name: field('name').trim() } : {}),
      ...(field('brandName').trim() ? { brandName: field('brandName').trim() } : {}),
      ...(providerInfo?.providerId && field('providerId').trim() ? { providerId: field('providerId').trim() } : {}),
      ...(Object.keys(credentials).length > 0 ? { credentials } : {}),
    };
    try {
      const line = await api.createLine(input);
      setFields({});
      setOutcome({ message: `Added the line ${line.name ?? line.address}.` });
      lines.reload();
    } catch (failure) {
      setOutcome({ error: failure });
    }
  };
  const remove = async (line: Line) => {
    setOutcome(undefined);
    try {
      await api.deleteLine(line.lineId);
      setConfirming(undefined);
      setOutcome({ message: `Removed the line ${line.name ?? line.address}.` });
      lines.reload();
    } catch (failure) {
      setOutcome({ error: failure });
    }
  };

  return (
    <section class="panel" aria-labelledby="lines-heading">
      <h2 id="lines-heading">Lines</h2>
      <p class="hint">The numbers, WhatsApp numbers and email addresses you send from. Credentials are stored for verifying webhooks and are never shown again.</p>
      {lines.error !== undefined && <ErrorNotice error={lines.error} onRetry={lines.reload} />}
      {lines.data && lines.data.length === 0 && <p>No lines yet.</p>}
      {lines.data && lines.data.length > 0 && (
        <TableScroll label="Lines">
          <table class="stack">
            <caption class="visually-hidden">Lines of this account</caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Channel</th>
                <th scope="col">Provider</th>
                <th scope="col">Brand in replies</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.data.map((line) => (
                <tr key={line.lineId}>
                  <th scope="row">
                    {line.name ?? line.address}
                    {line.name && <div class="sub">{line.address}</div>}
                  </th>
                  <td data-label="Channel">{CHANNEL_NAMES[line.channel]}</td>
                  <td data-label="Provider">{line.provider}</td>
                  <td data-label="Brand in replies">{line.brandName ?? <span class="sub">account's</span>}</td>
                  <td class="row-actions">
                    {confirming === line.lineId ? (
                      <>
                        <button type="button" class="danger small" onClick={() => void remove(line)}>
                          Remove {line.name ?? line.address}
                        </button>
                        <button type="button" class="secondary small" onClick={() => setConfirming(undefined)}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <button type="button" class="secondary small" aria-label={`Remove line ${line.name ?? line.address}…`} onClick={() => setConfirming(line.lineId)}>
                        Remove…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <form onSubmit={add} aria-labelledby="add-line-heading">
        <h3 id="add-line-heading">Add a line</h3>
        <div class="grid">
          <div class="field">
            <label for="line-channel">Channel</label>
            <select
              id="line-channel"
              value={channel}
              onChange={(event) => {
                const next = event.currentTarget.value as Channel;
                setChannel(next);
                setProvider(PROVIDERS[next][0]?.value ?? '');
              }}
            >
              <ChannelOptions />
            </select>
          </div>
          <div class="field">
            <label for="line-provider">Provider</label>
            <select id="line-provider" value={providerInfo?.value} onChange={(event) => setProvider(event.currentTarget.value)}>
              {PROVIDERS[channel].map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="line-address">{channel === 'email' ? 'Address or domain' : 'Number (E.164) or short code'}</label>
            <input id="line-address" required value={field('address')} onInput={(event) => set('address', event.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="line-name">Name (optional)</label>
            <input id="line-name" maxLength={80} value={field('name')} onInput={(event) => set('name', event.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="line-brand">Brand in replies (optional)</label>
            <input id="line-brand" maxLength={40} value={field('brandName')} onInput={(event) => set('brandName', event.currentTarget.value)} />
          </div>
          {providerInfo?.providerId && (
            <div class="field">
              <label for="line-provider-id">{providerInfo.providerId}</label>
              <input id="line-provider-id" value={field('providerId')} onInput={(event) => set('providerId', event.currentTarget.value)} />
            </div>
          )}
          {providerInfo?.credentials.map((credential) => (
            <div class="field" key={credential.name}>
              <label for={`line-${credential.name}`}>{credential.label}</label>
              <input
                id={`line-${credential.name}`}
                type="password"
                autoComplete="off"
                required
                value={field(credential.name)}
                onInput={(event) => set(credential.name, event.currentTarget.value)}
              />
            </div>
          ))}
        </div>
        <p class="actions">
          <button type="submit">Add line</button>
        </p>
      </form>
      {outcome?.error !== undefined && <ErrorNotice error={outcome.error} />}
      {outcome?.message && (
        <Notice tone="success">
          <p>{outcome.message}</p>
        </Notice>
      )}
    </section>
  );
}

/** Settings: per-channel defaults and policy, retention, quiet hours, brand, form origins; and the lines. */
export function SettingsPage({ api }: { api: ApiClient }) {
  const settings = useLoad(() => api.getSettings(), [api]);
  return (
    <>
      <PageHeading>Settings</PageHeading>
      {settings.error !== undefined && <ErrorNotice error={settings.error} onRetry={settings.reload} />}
      {!settings.data && settings.error === undefined && <Loading what="the settings" />}
      {settings.data && <SettingsForm api={api} settings={settings.data} onSaved={() => undefined} />}
      <LinesSection api={api} />
    </>
  );
}
