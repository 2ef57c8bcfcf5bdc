import type { ComponentChildren } from 'preact';
import { useEffect, useErrorBoundary, useMemo, useState } from 'preact/hooks';
import { ApiClient } from './api/client.ts';
import { ErrorNotice } from './components/notice.tsx';
import { useLoad } from './components/use-load.ts';
import { describeApiError } from './logic/api-error.ts';
import { hrefOf, PAGES, parseRoute, type Route } from './logic/route.ts';
import { forgetKey, readKey, saveKey } from './logic/session-key.ts';
import { ContactPage } from './pages/contact-page.tsx';
import { FormsPage } from './pages/forms-page.tsx';
import { ReportsPage } from './pages/reports-page.tsx';
import { RulesPage } from './pages/rules-page.tsx';
import { SettingsPage } from './pages/settings-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** A page that throws while rendering shows what happened, never a blank page; the navigation stays. */
function PageGuard({ children }: { children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary();
  if (error) {
    return <ErrorNotice error={error} onRetry={reset} />;
  }
  return <>{children}</>;
}

function Page({ route, api }: { route: Route; api: ApiClient }) {
  switch (route.page) {
    case 'contact':
      return <ContactPage api={api} contact={route.contact} />;
    case 'rules':
      return <RulesPage api={api} />;
    case 'settings':
      return <SettingsPage api={api} />;
    case 'forms':
      return <FormsPage api={api} formId={route.formId} />;
    case 'reports':
      return <ReportsPage api={api} />;
  }
}

function Shell({ api, route, onSignOut }: { api: ApiClient; route: Route; onSignOut: () => void }) {
  // Also checks the key as soon as the console opens: a refused key sends the operator to sign in.
  const settings = useLoad(() => api.getSettings(), [api]);
  const title = PAGES.find((page) => page.page === route.page)?.title ?? '';
  useEffect(() => {
    document.title = `${title} · optgate console`;
  }, [title]);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="top-row">
          <p class="brand">
            optgate <span>console</span>
            {settings.data?.brandName && <span class="account"> · {settings.data.brandName}</span>}
          </p>
          <button type="button" class="secondary small" onClick={onSignOut}>
            Sign out
          </button>
        </div>
        <nav aria-label="Console pages">
          <ul>
            {PAGES.map((page) => (
              <li key={page.page}>
                <a href={hrefOf({ page: page.page } as Route)} aria-current={page.page === route.page ? 'page' : undefined}>
                  {page.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main">
        {settings.error !== undefined && <ErrorNotice error={settings.error} onRetry={settings.reload} />}
        <PageGuard key={route.page}>
          <Page route={route} api={api} />
        </PageGuard>
      </main>
    </>
  );
}

export function App() {
  const [key, setKey] = useState(() => readKey(sessionStorage));
  const [keyProblem, setKeyProblem] = useState<string>();
  const route = useRoute();
  const api = useMemo(
    () =>
      key
        ? new ApiClient(key, (error) => {
            // Whichever page made the call: the key is wrong (or revoked), so ask for it again.
            forgetKey(sessionStorage);
            setKey(undefined);
            setKeyProblem(describeApiError(error));
          })
        : undefined,
    [key],
  );
  if (!api) {
    return (
      <SignInPage
        problem={keyProblem}
        onSignedIn={(accountKey) => {
          saveKey(sessionStorage, accountKey);
          setKeyProblem(undefined);
          setKey(accountKey);
        }}
      />
    );
  }
  return (
    <Shell
      api={api}
      route={route}
      onSignOut={() => {
        forgetKey(sessionStorage);
        setKey(undefined);
        setKeyProblem(undefined);
      }}
    />
  );
}
