import { describe, expect, it } from 'vitest';
import { parseContactQuery } from '../../../functions/console/app/src/logic/contact-query.ts';

describe('parseContactQuery', () => {
  it('turns a number as people type it into the stored E.164 form, complete when it is a whole number', () => {
    expect(parseContactQuery(' +1 (202) 555-0143 ')).toEqual({ prefix: '+12025550143', complete: true, kind: 'phone' });
    expect(parseContactQuery('0044 20 7946 0958')).toEqual({ prefix: '+442079460958', complete: true, kind: 'phone' });
    // WhatsApp shows numbers without the plus.
    expect(parseContactQuery('12025550143')).toEqual({ prefix: '+12025550143', complete: true, kind: 'phone' });
    expect(parseContactQuery('+1 202')).toEqual({ prefix: '+1202', complete: false, kind: 'phone' });
    expect(parseContactQuery('+1202555014312345678').complete).toBe(false);
  });

  it('lower-cases emails, complete once they have a domain', () => {
    expect(parseContactQuery('Jane.Doe@Example.org')).toEqual({ prefix: 'jane.doe@example.org', complete: true, kind: 'email' });
    expect(parseContactQuery('jane@')).toEqual({ prefix: 'jane@', complete: false, kind: 'email' });
  });

  it('keeps anything else as a prefix to search for, never opened directly', () => {
    expect(parseContactQuery('Jane')).toEqual({ prefix: 'jane', complete: false, kind: 'text' });
    expect(parseContactQuery('   ')).toEqual({ prefix: '', complete: false, kind: 'text' });
  });
});
