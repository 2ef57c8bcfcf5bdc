import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.ts';
import { CHANNEL_NAMES, type Channel, type Line, type WebFormView } from '../api/types.ts';
import { CopyButton } from '../components/copy-button.tsx';
import { ChannelOptions } from '../components/channel-options.tsx';
import { ErrorNotice, Loading, Notice } from '../components/notice.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { useLoad } from '../components/use-load.ts';
import { ApiError } from '../logic/api-error.ts';
import { draftFromForm, EMPTY_FORM_DRAFT, formInputFromDraft, type FormDraft } from '../logic/form-draft.ts';
import { hrefOf } from '../logic/route.ts';
import { formatDateTime } from '../logic/status-display.ts';

const NEW_FORM = 'new';

function lineName(lines: readonly Line[], lineId: string | undefined, channel: Channel): string {
  if (!lineId) return `Every ${CHANNEL_NAMES[channel]} line`;
  const line = lines.find((candidate) => candidate.lineId === lineId);
  return line ? (line.name ?? line.address) : `line ${lineId} (deleted)`;
}

function FormList({ api, forms, lines, onDeleted }: { api: ApiClient; forms: WebFormView[]; lines: Line[]; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState<string>();
  const [error, setError] = useState<unknown>();
  const remove = async (form: WebFormView) => {
    setError(undefined);
    try {
      await api.deleteForm(form.formId);
      setConfirming(undefined);
      onDeleted();
    } catch (failure) {
      setError(failure);
    }
  };
  if (forms.length === 0) return <p>No forms yet.</p>;
  return (
    <>
      {error !== undefined && <ErrorNotice error={error} />}
      <TableScroll label="Forms">
        <table class="stack">
          <caption class="visually-hidden">Opt-in forms of this account</caption>
          <thead>
            <tr>
              <th scope="col">Form</th>
              <th scope="col">Channel</th>
              <th scope="col">Opt-in to</th>
              <th scope="col">Version</th>
              <th scope="col">Changed</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {forms.map((form) => (
              <tr key={form.formId}>
                <th scope="row">
                  <a href={hrefOf({ page: 'forms', formId: form.formId })}>{form.description}</a>
                </th>
                <td data-label="Channel">
                  {CHANNEL_NAMES[form.channel]}
                  {form.doubleOptIn ? ' (double opt-in)' : ''}
                </td>
                <td data-label="Opt-in to">{lineName(lines, form.line, form.channel)}</td>
                <td data-label="Version">{form.version}</td>
                <td data-label="Changed">{formatDateTime(form.updatedAt)}</td>
                <td class="row-actions">
                  {confirming === form.formId ? (
                    <>
                      <button type="button" class="danger small" onClick={() => void remove(form)}>
                        Delete form
                      </button>
                      <button type="button" class="secondary small" onClick={() => setConfirming(undefined)}>
                        Keep
                      </button>
                    </>
                  ) : (
                    <>
                      <a class="button secondary small" href={hrefOf({ page: 'forms', formId: form.formId })} aria-label={`Edit, preview and embed: ${form.description}`}>
                        Open
                      </a>
                      <button type="button" class="secondary small" aria-label={`Delete form: ${form.description}…`} onClick={() => setConfirming(form.formId)}>
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

function FormEditor({ api, lines, form, onSaved }: { api: ApiClient; lines: Line[]; form?: WebFormView; onSaved: (form: WebFormView) => void }) {
  const [draft, setDraft] = useState<FormDraft>(() => (form ? draftFromForm(form) : EMPTY_FORM_DRAFT));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const update = (patch: Partial<FormDraft>) => setDraft({ ...draft, ...patch });
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const input = formInputFromDraft(draft);
      onSaved(form ? await api.replaceForm(form.formId, input) : await api.createForm(input));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={save} class="panel" aria-labelledby="form-editor-heading">
      <h2 id="form-editor-heading">{form ? 'Edit' : 'New form'}</h2>
      <div class="grid">
        <div class="field">
          <label for="form-channel">Channel</label>
          <select id="form-channel" value={draft.channel} onChange={(event) => update({ channel: event.currentTarget.value as Channel, line: '' })}>
            <ChannelOptions />
          </select>
        </div>
        <div class="field">
          <label for="form-line">Opt-in to</label>
          <select id="form-line" value={draft.line} onChange={(event) => update({ line: event.currentTarget.value })}>
            <option value="">Every {CHANNEL_NAMES[draft.channel]} line</option>
            {lines
              .filter((line) => line.channel === draft.channel)
              .map((line) => (
                <option key={line.lineId} value={line.lineId}>
                  {line.name ? `${line.name} (${line.address})` : line.address}
                </option>
              ))}
          </select>
        </div>
        {draft.channel !== 'email' && (
          <div class="field">
            <label for="form-country">Country for numbers typed without +code (optional)</label>
            <input id="form-country" maxLength={2} placeholder="US" value={draft.defaultCountry} onInput={(event) => update({ defaultCountry: event.currentTarget.value })} />
          </div>
        )}
        <div class="field">
          <label for="form-button">Button text</label>
          <input id="form-button" required maxLength={40} value={draft.buttonText} onInput={(event) => update({ buttonText: event.currentTarget.value })} />
        </div>
      </div>
      <div class="field">
        <label for="form-description">What people sign up for</label>
        <textarea id="form-description" required rows={2} maxLength={1000} value={draft.description} onInput={(event) => update({ description: event.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="form-consent">Consent statement (next to the unticked checkbox, recorded word for word)</label>
        <textarea
          id="form-consent"
          required
          rows={3}
          maxLength={1000}
          value={draft.confirmationMessage}
          onInput={(event) => update({ confirmationMessage: event.currentTarget.value })}
        />
      </div>
      <div class="field">
        <label for="form-success">Message after signing up (optional)</label>
        <input id="form-success" maxLength={500} placeholder="Thank you. You are subscribed." value={draft.successMessage} onInput={(event) => update({ successMessage: event.currentTarget.value })} />
      </div>
      {draft.channel === 'email' && (
        <label class="check">
          <input type="checkbox" checked={draft.doubleOptIn} onChange={(event) => update({ doubleOptIn: event.currentTarget.checked })} /> Double opt-in: consent starts when the
          person follows the link emailed to them (needs an email line to send from)
        </label>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
      <p class="actions">
        <button type="submit" disabled={busy}>
          {form ? 'Save changes' : 'Create form'}
        </button>
        <a class="button secondary" href={hrefOf({ page: 'forms' })}>
          Back to the list
        </a>
      </p>
    </form>
  );
}

function FormPreview({ form, allowedOrigins }: { form: WebFormView; allowedOrigins: readonly string[] }) {
  // Same origin as the console: the form page lets optgate itself frame it (frame-ancestors 'self').
  const path = new URL(form.url).pathname;
  return (
    <section class="panel" aria-labelledby="preview-heading">
      <h2 id="preview-heading">Preview and embed</h2>
      <p class="hint">
        The live form, as visitors see it (version {form.version}). Submitting it here records a real opt-in. <a href={path} target="_blank" rel="noopener">Open the hosted page</a>
      </p>
      <iframe class="form-preview" src={path} title={`Preview of the form: ${form.description}`} key={form.version} />
      <label for="embed-code">Embed code</label>
      <textarea id="embed-code" readOnly rows={3} value={form.embedCode} onFocus={(event) => event.currentTarget.select()} />
      <p class="actions">
        <CopyButton text={form.embedCode} label="Copy embed code" fieldId="embed-code" />
      </p>
      {allowedOrigins.length === 0 ? (
        <Notice tone="info">
          <p>No site may show this form in a frame yet: add your site's origin under Settings → Sites that may embed your forms.</p>
        </Notice>
      ) : (
        <p class="hint">Sites allowed to embed it: {allowedOrigins.join(', ')}.</p>
      )}
    </section>
  );
}

function FormDetail({ api, formId, lines }: { api: ApiClient; formId: string; lines: Line[] }) {
  const isNew = formId === NEW_FORM;
  const form = useLoad(async () => {
    if (isNew) return undefined;
    try {
      return await api.getForm(formId);
    } catch (error) {
      // A form deleted meanwhile (or a mistyped address): said plainly below.
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }, [api, formId]);
  const settings = useLoad(() => api.getSettings(), [api]);
  const [saved, setSaved] = useState<WebFormView>();
  const current = saved ?? form.data;
  if (form.error !== undefined) return <ErrorNotice error={form.error} onRetry={form.reload} />;
  if (form.loading && !isNew) return <Loading what="the form" />;
  if (!isNew && !current) {
    return (
      <Notice tone="error">
        <p>
          There is no form {formId} in this account (it may have been deleted). <a href={hrefOf({ page: 'forms' })}>Back to the list</a>
        </p>
      </Notice>
    );
  }
  return (
    <>
      {saved && (
        <Notice tone="success">
          <p>{`Saved: version ${saved.version}.`}</p>
        </Notice>
      )}
      <div class="two-columns">
        <FormEditor
          key={current?.formId ?? NEW_FORM}
          api={api}
          lines={lines}
          form={current}
          onSaved={(result) => {
            setSaved(result);
            if (isNew) location.hash = hrefOf({ page: 'forms', formId: result.formId });
          }}
        />
        {current && <FormPreview form={current} allowedOrigins={settings.data?.allowedOrigins ?? []} />}
      </div>
    </>
  );
}

/** Forms: the account's opt-in forms; create and edit them, preview them live, copy the embed code. */
export function FormsPage({ api, formId }: { api: ApiClient; formId?: string }) {
  const data = useLoad(() => Promise.all([api.listForms(), api.listLines()]), [api, formId]);
  return (
    <>
      <PageHeading>{formId === NEW_FORM ? 'New form' : formId ? 'Form' : 'Forms'}</PageHeading>
      {data.error !== undefined && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {!data.data && data.error === undefined && <Loading what="the forms" />}
      {data.data &&
        (formId ? (
          <FormDetail api={api} formId={formId} lines={data.data[1]} key={formId} />
        ) : (
          <>
            <p class="actions">
              <a class="button" href={hrefOf({ page: 'forms', formId: NEW_FORM })}>
                New form
              </a>
            </p>
            <FormList api={api} forms={data.data[0]} lines={data.data[1]} onDeleted={data.reload} />
          </>
        ))}
    </>
  );
}
