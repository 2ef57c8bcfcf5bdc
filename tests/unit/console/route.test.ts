import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute, type Route } from '../../../functions/console/app/src/logic/route.ts';

describe('console routes', () => {
  it('round-trips every page, with contacts and form ids encoded', () => {
    const routes: Route[] = [
      { page: 'contact' },
      { page: 'contact', contact: '+12025550143' },
      { page: 'contact', contact: 'jane+news@example.org' },
      { page: 'rules' },
      { page: 'settings' },
      { page: 'forms' },
      { page: 'forms', formId: 'form_01abc' },
      { page: 'reports' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toEqual(route);
    expect(hrefOf({ page: 'contact', contact: '+12025550143' })).toBe('#/contact/%2B12025550143');
  });

  it('opens the contact page for an empty, unknown or malformed address', () => {
    expect(parseRoute('')).toEqual({ page: 'contact' });
    expect(parseRoute('#/nowhere')).toEqual({ page: 'contact' });
    expect(parseRoute('#/contact/%E0%A4%A')).toEqual({ page: 'contact' });
  });
});
