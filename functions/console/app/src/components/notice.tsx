import type { ComponentChildren } from 'preact';
import { ApiError, describeApiError } from '../logic/api-error.ts';

/**
 * A message in the page. Errors are alerts (read out at once); the rest are polite status updates.
 * Both stay on screen until replaced: a message that disappears cannot be read by everyone.
 */
export function Notice({ tone, children }: { tone: 'error' | 'success' | 'info'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** What went wrong with an API call, the API's field-by-field reasons, and a way to try again. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <Notice tone="error">
      <p>{describeApiError(error)}</p>
      {issues.length > 0 && (
        <ul>
          {issues.map((issue) => (
            <li key={issue.path}>
              <code>{issue.path}</code>: {issue.message}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" class="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </Notice>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}
