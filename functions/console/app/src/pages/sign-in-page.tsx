import { useState } from 'preact/hooks';
import { ApiClient } from '../api/client.ts';
import type { NewAccount } from '../api/types.ts';
import { CopyButton } from '../components/copy-button.tsx';
import { ErrorNotice, Notice } from '../components/notice.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { ApiError } from '../logic/api-error.ts';
import { isPlausibleKey } from '../logic/session-key.ts';

/**
 * The key is asked for once per browser tab. An account key opens the console; the operator key
 * (which belongs to no account) can create an account and continue with its new key.
 */
export function SignInPage({ problem, onSignedIn }: { problem?: string; onSignedIn: (accountKey: string) => void }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [operatorKey, setOperatorKey] = useState<string>();
  const [accountName, setAccountName] = useState('');
  const [created, setCreated] = useState<NewAccount>();

  const signIn = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const candidate = key.trim();
    if (!isPlausibleKey(candidate)) {
      setError(new ApiError('refused', 'An API key is 10 to 200 characters without spaces, such as og_live_…'));
      return;
    }
    setBusy(true);
    try {
      await new ApiClient(candidate).getSettings();
      onSignedIn(candidate);
    } catch (failure) {
      // 403 on an account route: a valid key of no account, i.e. the operator key.
      if (failure instanceof ApiError && failure.kind === 'forbidden') setOperatorKey(candidate);
      else setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const createAccount = async (event: Event) => {
    event.preventDefault();
    if (!operatorKey) return;
    setError(undefined);
    setBusy(true);
    try {
      setCreated(await new ApiClient(operatorKey).createAccount(accountName.trim()));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <PageHeading>optgate console</PageHeading>
      {problem && (
        <Notice tone="error">
          <p>{problem}</p>
        </Notice>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
      {created ? (
        <section aria-labelledby="created-heading">
          <h2 id="created-heading">Account created</h2>
          <Notice tone="success">
            <p>
              The account's API key is shown this once: keep it somewhere safe (a password manager). optgate stores only its hash.
            </p>
          </Notice>
          <label for="new-key">API key of the new account</label>
          <textarea id="new-key" readOnly rows={2} value={created.apiKey} />
          <p class="actions">
            <CopyButton text={created.apiKey} label="Copy the key" fieldId="new-key" />
            <button type="button" onClick={() => onSignedIn(created.apiKey)}>
              Continue with this account
            </button>
          </p>
        </section>
      ) : operatorKey ? (
        <form onSubmit={createAccount} aria-labelledby="operator-heading">
          <h2 id="operator-heading">This is the operator key</h2>
          <p>It creates accounts but does not open one. Create an account to work in; the console then uses that account's key.</p>
          <label for="account-name">Account name</label>
          <input id="account-name" required maxLength={120} value={accountName} onInput={(event) => setAccountName(event.currentTarget.value)} />
          <p class="actions">
            <button type="submit" disabled={busy}>
              Create account
            </button>
            <button type="button" class="secondary" onClick={() => setOperatorKey(undefined)}>
              Use another key
            </button>
          </p>
        </form>
      ) : (
        <form onSubmit={signIn} aria-label="Sign in">
          <p>Enter your account's API key. It is kept in this browser tab only (session storage) and sent only to this optgate's API.</p>
          <label for="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autoComplete="off"
            spellcheck={false}
            required
            value={key}
            onInput={(event) => setKey(event.currentTarget.value)}
          />
          <p class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Checking…' : 'Sign in'}
            </button>
          </p>
        </form>
      )}
    </main>
  );
}
