/** The console's pages, addressed by the URL fragment so that reloads and the back button work. */
export type Route =
  | { page: 'contact'; contact?: string }
  | { page: 'rules' }
  | { page: 'settings' }
  | { page: 'forms'; formId?: string }
  | { page: 'reports' };

export type PageName = Route['page'];

export const PAGES: readonly { page: PageName; title: string }[] = [
  { page: 'contact', title: 'Contact' },
  { page: 'rules', title: 'Rules' },
  { page: 'settings', title: 'Settings' },
  { page: 'forms', title: 'Forms' },
  { page: 'reports', title: 'Reports' },
];

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/** "#/contact/%2B1202…" → { page: 'contact', contact: '+1202…' }; anything unknown is the contact page. */
export function parseRoute(hash: string): Route {
  const [page = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  const param = rest.length > 0 ? decode(rest.join('/')) : undefined;
  switch (page) {
    case 'rules':
    case 'settings':
    case 'reports':
      return { page };
    case 'forms':
      return param ? { page, formId: param } : { page };
    default:
      return param ? { page: 'contact', contact: param } : { page: 'contact' };
  }
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'contact':
      return route.contact ? `#/contact/${encodeURIComponent(route.contact)}` : '#/contact';
    case 'forms':
      return route.formId ? `#/forms/${encodeURIComponent(route.formId)}` : '#/forms';
    default:
      return `#/${route.page}`;
  }
}
