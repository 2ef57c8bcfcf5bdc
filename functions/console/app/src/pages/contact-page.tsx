import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.ts';
import { CHANNEL_NAMES, type AuditEvent, type Channel, type ContactConsent, type ContactProfile, type ErasureReceipt } from '../api/types.ts';
import { downloadText } from '../components/download.ts';
import { ChannelOptions } from '../components/channel-options.tsx';
import { ErrorNotice, Loading, Notice } from '../components/notice.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { useLoad } from '../components/use-load.ts';
import { parseContactQuery } from '../logic/contact-query.ts';
import { fileNameOf } from '../logic/download.ts';
import { eventSummary, evidenceRows } from '../logic/evidence.ts';
import { hrefOf } from '../logic/route.ts';
import { basisText, formatDateTime, humanize, sourceLabel } from '../logic/status-display.ts';

type Lines = ContactConsent['lines'];

function lineLabel(line: { name?: string; address: string }): string {
  return line.name ? `${line.name} (${line.address})` : line.address;
}

/** "line_01…" → "Main (+1202…)", "*" → "every SMS line". */
function scopeNamer(lines: Lines, channel?: Channel) {
  return (scope: string, eventChannel: Channel | undefined = channel): string => {
    if (scope === '*') return eventChannel ? `every ${CHANNEL_NAMES[eventChannel]} line` : 'every line';
    const line = lines.find((candidate) => candidate.lineId === scope);
    return line ? lineLabel(line) : `line ${scope} (deleted)`;
  };
}

function SearchForm({ api, initial }: { api: ApiClient; initial: string }) {
  const [text, setText] = useState(initial);
  const [matches, setMatches] = useState<{ prefix: string; contacts: ContactProfile[] }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const search = async (event: Event) => {
    event.preventDefault();
    const query = parseContactQuery(text);
    if (!query.prefix) return;
    setError(undefined);
    // A whole number or address opens at once: a person with no record at all is shown as "Not defined" everywhere.
    if (query.complete) {
      location.hash = hrefOf({ page: 'contact', contact: query.prefix });
      return;
    }
    setBusy(true);
    try {
      setMatches({ prefix: query.prefix, contacts: await api.searchContacts(query.prefix) });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="search-heading" class="panel">
      <h2 id="search-heading" class="visually-hidden">
        Find a contact
      </h2>
      <form role="search" onSubmit={search} class="inline-form">
        <div class="field grow">
          <label for="contact-search">Phone number or email</label>
          <input
            id="contact-search"
            type="search"
            inputMode="email"
            autoComplete="off"
            placeholder="+1 202 555 0143 or jane@example.org"
            value={text}
            required
            onInput={(event) => setText(event.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          Find
        </button>
      </form>
      <p class="hint">A whole number (with its country code) or email address opens the contact; the beginning of one lists the contacts that start with it.</p>
      {error !== undefined && <ErrorNotice error={error} />}
      {matches && (
        <div role="status">
          {matches.contacts.length === 0 ? (
            <p>No contact with a record starts with {matches.prefix}.</p>
          ) : (
            <>
              <p>
                {matches.contacts.length === 20 ? 'The first 20 contacts' : `${matches.contacts.length} contact${matches.contacts.length === 1 ? '' : 's'}`} starting with{' '}
                {matches.prefix}:
              </p>
              <ul class="matches">
                {matches.contacts.map((profile) => (
                  <li key={profile.contact}>
                    <a href={hrefOf({ page: 'contact', contact: profile.contact })}>{profile.contact}</a>
                    {profile.name ? ` · ${profile.name}` : ''}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

function ConsentTables({ consent }: { consent: ContactConsent }) {
  const name = scopeNamer(consent.lines);
  const lines = [...consent.lines].sort((a, b) => a.channel.localeCompare(b.channel) || lineLabel(a).localeCompare(lineLabel(b)));
  return (
    <>
      {consent.suppressions.map((suppression) => (
        <Notice tone="error" key={suppression.eventId}>
          <p>
            Email to this address is suppressed ({humanize(suppression.reason)}, {formatDateTime(suppression.occurredAt)}): no email reaches it, whatever its consent.
          </p>
        </Notice>
      ))}
      <h3>Per line</h3>
      {lines.length === 0 ? (
        <p>The account has no lines yet: add them under Settings.</p>
      ) : (
        <TableScroll label="Consent per line">
          <table class="stack">
            <caption class="visually-hidden">Consent of {consent.contact} on each line</caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Channel</th>
                <th scope="col">Recorded on the line</th>
                <th scope="col">Effective status</th>
                <th scope="col">Because</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((line) => (
                <tr key={line.lineId}>
                  <th scope="row">{lineLabel(line)}</th>
                  <td data-label="Channel">{CHANNEL_NAMES[line.channel]}</td>
                  <td data-label="Recorded on the line">
                    <StatusBadge status={line.status} suffix={line.category === 'marketing' ? '(marketing only)' : undefined} />
                    {line.occurredAt && <div class="sub">{`${formatDateTime(line.occurredAt)} · ${sourceLabel(line.source ?? '')}`}</div>}
                  </td>
                  <td data-label="Effective status">
                    <StatusBadge status={line.effective.status} />
                  </td>
                  <td data-label="Because" class="sub">{basisText(line.effective, (lineId) => name(lineId, line.channel))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <h3>Whole channel</h3>
      <TableScroll label="Channel-wide consent">
        <table class="stack">
          <caption class="visually-hidden">Channel-wide records of {consent.contact} (every line of the channel)</caption>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Channel-wide record</th>
              <th scope="col">Account default</th>
            </tr>
          </thead>
          <tbody>
            {consent.channels.map((channel) => (
              <tr key={channel.channel}>
                <th scope="row">{CHANNEL_NAMES[channel.channel]}</th>
                <td data-label="Channel-wide record">
                  <StatusBadge status={channel.status} />
                  {channel.occurredAt && <div class="sub">{`${formatDateTime(channel.occurredAt)} · ${sourceLabel(channel.source ?? '')}`}</div>}
                </td>
                <td data-label="Account default">
                  <StatusBadge status={channel.defaultStatus} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}

function SetConsentForm({ api, consent, onSaved }: { api: ApiClient; consent: ContactConsent; onSaved: () => void }) {
  const channels: Channel[] = consent.contact.includes('@') ? ['email'] : ['sms', 'whatsapp'];
  const [channel, setChannel] = useState<Channel>(channels[0] ?? 'sms');
  const [line, setLine] = useState('');
  const [status, setStatus] = useState<'opted_in' | 'opted_out'>('opted_out');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ error?: unknown; message?: string }>();
  const name = scopeNamer(consent.lines);
  const linesOfChannel = consent.lines.filter((candidate) => candidate.channel === channel);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!note.trim()) {
      setOutcome({ error: new Error('A note is required: say why and on whose request the consent is set by hand') });
      return;
    }
    setBusy(true);
    setOutcome(undefined);
    try {
      const result = await api.setConsent(consent.contact, { channel, ...(line ? { line } : {}), status, note: note.trim() });
      const where = name(line || '*', channel);
      const words = status === 'opted_in' ? 'Opted in' : 'Opted out';
      setOutcome({
        message:
          result.effect === 'superseded'
            ? `Recorded in the audit trail but not applied: a newer change is stored for ${where}.`
            : result.effect === 'confirmed'
              ? `${words} on ${where} (no change: it already was so). The note is in the audit trail.`
              : `${words} on ${where} (was ${humanize(result.previousStatus)}). The note and your API key are kept as evidence.`,
      });
      setNote('');
      onSaved();
    } catch (failure) {
      setOutcome({ error: failure });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} class="panel" aria-labelledby="set-consent-heading">
      <h3 id="set-consent-heading">Set consent by hand</h3>
      <div class="grid">
        <div class="field">
          <label for="consent-channel">Channel</label>
          <select
            id="consent-channel"
            value={channel}
            onChange={(event) => {
              setChannel(event.currentTarget.value as Channel);
              setLine('');
            }}
          >
            <ChannelOptions channels={channels} />
          </select>
        </div>
        <div class="field">
          <label for="consent-line">Line</label>
          <select id="consent-line" value={line} onChange={(event) => setLine(event.currentTarget.value)}>
            <option value="">Every {CHANNEL_NAMES[channel]} line (channel-wide)</option>
            {linesOfChannel.map((candidate) => (
              <option key={candidate.lineId} value={candidate.lineId}>
                {lineLabel(candidate)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset class="choices">
        <legend>Status</legend>
        <label>
          <input type="radio" name="consent-status" value="opted_in" checked={status === 'opted_in'} onChange={() => setStatus('opted_in')} /> Opt in
        </label>
        <label>
          <input type="radio" name="consent-status" value="opted_out" checked={status === 'opted_out'} onChange={() => setStatus('opted_out')} /> Opt out
        </label>
      </fieldset>
      <div class="field">
        <label for="consent-note">Note (required)</label>
        <textarea
          id="consent-note"
          rows={2}
          maxLength={500}
          required
          aria-describedby="consent-note-hint"
          value={note}
          onInput={(event) => setNote(event.currentTarget.value)}
        />
        <p id="consent-note-hint" class="hint">
          Why, and on whose request: it is kept word for word in the audit trail. For example: "Asked by phone, ticket 4411".
        </p>
      </div>
      <p class="actions">
        <button type="submit" disabled={busy}>
          Record consent
        </button>
      </p>
      {outcome?.error !== undefined && <ErrorNotice error={outcome.error} />}
      {outcome?.message && (
        <Notice tone="success">
          <p>{outcome.message}</p>
        </Notice>
      )}
    </form>
  );
}

function AuditTrail({ api, consent, version }: { api: ApiClient; consent: ContactConsent; version: number }) {
  const [pages, setPages] = useState<{ events: AuditEvent[]; nextCursor?: string }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const name = scopeNamer(consent.lines);

  const load = async (cursor?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const page = await api.listEvents(consent.contact, cursor);
      setPages((previous) => ({ events: [...(cursor ? (previous?.events ?? []) : []), ...page.events], nextCursor: page.nextCursor }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
    // Reloaded from the start whenever the contact's consent changed (version).
  }, [consent.contact, version]);

  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit trail</h2>
      {error !== undefined && <ErrorNotice error={error} onRetry={() => void load(pages?.nextCursor)} />}
      {!pages && !error && <Loading what="the audit trail" />}
      {pages && pages.events.length === 0 && <p>Nothing recorded for this contact.</p>}
      {pages && pages.events.length > 0 && (
        <ol class="events" aria-label="Audit events, newest first">
          {pages.events.map((event) => {
            const summary = eventSummary(event, (scope) => name(scope, event.channel));
            const rows = evidenceRows(event.evidence as Record<string, unknown>, (lineId) => {
              const line = consent.lines.find((candidate) => candidate.lineId === lineId);
              return line ? `${lineLabel(line)} · ${lineId}` : undefined;
            });
            return (
              <li key={event.eventId} class={`event event-${event.status ?? event.type}`}>
                <p class="event-head">
                  <time dateTime={event.occurredAt}>{formatDateTime(event.occurredAt)}</time>
                  <span class="event-what">{summary.what}</span>
                </p>
                <p class="sub">
                  {CHANNEL_NAMES[event.channel]} · source: {sourceLabel(event.source)}
                  {summary.effect ? ` · ${summary.effect}` : ''}
                  {event.attribution ? ` · after campaign ${event.attribution.campaignId}` : ''}
                </p>
                {rows.length > 0 && (
                  <details>
                    <summary>Evidence</summary>
                    <dl class="evidence">
                      {rows.map((row) => (
                        <div key={row.label}>
                          <dt>{row.label}</dt>
                          <dd>{row.value}</dd>
                        </div>
                      ))}
                      <div>
                        <dt>Recorded at</dt>
                        <dd>{formatDateTime(event.recordedAt)}</dd>
                      </div>
                      <div>
                        <dt>Event id</dt>
                        <dd>{event.eventId}</dd>
                      </div>
                    </dl>
                  </details>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {pages?.nextCursor && (
        <button type="button" class="secondary" disabled={busy} onClick={() => void load(pages.nextCursor)}>
          Show older events
        </button>
      )}
    </section>
  );
}

function EraseDialog({ api, contact, onErased }: { api: ApiClient; contact: string; onErased: (receipt: ErasureReceipt) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const erase = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onErased(await api.eraseContact(contact));
      dialog.current?.close();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class="danger"
        onClick={() => {
          setTyped('');
          setError(undefined);
          dialog.current?.showModal();
        }}
      >
        Erase this contact…
      </button>
      <dialog ref={dialog} aria-labelledby="erase-heading" aria-describedby="erase-what">
        <form onSubmit={erase}>
          <h2 id="erase-heading">Erase {contact}?</h2>
          <p id="erase-what">
            Every record of this contact in this account is deleted: consent, audit trail, messages and profile. Only a keyed hash is kept, so that marketing stays blocked until
            the person opts in again. This cannot be undone.
          </p>
          <label for="erase-confirm">Type {contact} to confirm</label>
          <input id="erase-confirm" autoComplete="off" value={typed} onInput={(event) => setTyped(event.currentTarget.value)} />
          {error !== undefined && <ErrorNotice error={error} />}
          <p class="actions">
            <button type="submit" class="danger" disabled={busy || typed.trim().toLowerCase() !== contact.toLowerCase()}>
              Erase for good
            </button>
            <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </p>
        </form>
      </dialog>
    </>
  );
}

function DataActions({ api, contact, onErased }: { api: ApiClient; contact: string; onErased: () => void }) {
  const [message, setMessage] = useState<{ error?: unknown; text?: string; receipt?: ErasureReceipt }>();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const document = await api.exportContact(contact);
      downloadText(fileNameOf('optgate-export', contact, document.exportedAt.slice(0, 10)) + '.json', `${JSON.stringify(document, null, 2)}\n`, 'application/json');
      setMessage({ text: `Subject access export downloaded (everything optgate holds about ${contact}, as JSON).` });
    } catch (failure) {
      // 404: nothing is held about this contact (or it was erased): say so plainly.
      setMessage({ error: failure });
    } finally {
      setBusy(false);
    }
  };
  const erased = (receipt: ErasureReceipt) => {
    setMessage({ receipt });
    onErased();
  };
  return (
    <section aria-labelledby="data-heading" class="panel">
      <h2 id="data-heading">Data rights</h2>
      <p class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={() => void download()}>
          Download subject access export (JSON)
        </button>
        <EraseDialog api={api} contact={contact} onErased={erased} />
      </p>
      {message?.error !== undefined && <ErrorNotice error={message.error} />}
      {message?.text && (
        <Notice tone="success">
          <p>{message.text}</p>
        </Notice>
      )}
      {message?.receipt && (
        <Notice tone="success">
          <p>
            {message.receipt.alreadyErased
              ? `Nothing left to erase: ${contact} was already erased on ${formatDateTime(message.receipt.erasedAt)}.`
              : message.receipt.status === 'complete'
                ? `${contact} is erased: ${message.receipt.totalDeleted} items deleted. Receipt ${message.receipt.receiptId}.`
                : `Erasure of ${contact} started: ${message.receipt.totalDeleted} items deleted so far; the rest is deleted in the background (receipt ${message.receipt.receiptId}).`}
          </p>
        </Notice>
      )}
    </section>
  );
}

function ContactDetail({ api, contact }: { api: ApiClient; contact: string }) {
  const consent = useLoad(() => api.getConsent(contact), [api, contact]);
  // Bumped on every change, so the audit trail reloads with the consent tables.
  const [version, setVersion] = useState(0);
  const changed = () => {
    consent.reload();
    setVersion((value) => value + 1);
  };
  if (consent.error !== undefined) return <ErrorNotice error={consent.error} onRetry={consent.reload} />;
  if (!consent.data) return <Loading what={`the consent of ${contact}`} />;
  return (
    <>
      <section aria-labelledby="status-heading">
        <h2 id="status-heading">
          Consent of <span class="contact">{consent.data.contact}</span>
        </h2>
        <ConsentTables consent={consent.data} />
      </section>
      <SetConsentForm api={api} consent={consent.data} onSaved={changed} />
      <AuditTrail api={api} consent={consent.data} version={version} />
      <DataActions api={api} contact={consent.data.contact} onErased={changed} />
    </>
  );
}

/** Contact: find a person by number or email, see and set their consent, its proof, export or erase them. */
export function ContactPage({ api, contact }: { api: ApiClient; contact?: string }) {
  return (
    <>
      <PageHeading>Contact</PageHeading>
      <SearchForm api={api} initial={contact ?? ''} key={contact ?? ''} />
      {contact ? <ContactDetail api={api} contact={contact} key={contact} /> : <p>Find a contact to see their consent on every line, its audit trail and their data.</p>}
    </>
  );
}
