import { describe, expect, it } from 'vitest';
import type { AccountSettings, KeywordRule, WebForm } from '../../../functions/console/app/src/api/types.ts';
import { draftFromForm, EMPTY_FORM_DRAFT, formInputFromDraft } from '../../../functions/console/app/src/logic/form-draft.ts';
import { draftFromRule, EMPTY_RULE_DRAFT, isTestableDraft, ruleInputFromDraft } from '../../../functions/console/app/src/logic/rule-draft.ts';
import { draftFromSettings, patchFromDraft } from '../../../functions/console/app/src/logic/settings-draft.ts';
import { keywordRuleInputSchema } from '../../../shared/domain/keywords/keyword-rule.ts';
import { accountSettingsPatchSchema, defaultAccountSettings, mergeAccountSettings } from '../../../shared/domain/accounts/account-settings.ts';
import { webFormInputSchema } from '../../../shared/domain/forms/web-form.ts';

describe('rule editor → POST /v1/rules body', () => {
  it('trims, leaves out what is not set, and is accepted by the API’s schema', () => {
    const input = ruleInputFromDraft({ ...EMPTY_RULE_DRAFT, keyword: '  PAUSE ', matchMode: 'first_word', replyText: '  ', channel: 'sms' });
    expect(input).toEqual({ keyword: 'PAUSE', matchMode: 'first_word', action: 'opt_out', scope: 'line', channel: 'sms' });
    expect(keywordRuleInputSchema.safeParse(input).success).toBe(true);
  });

  it('sends scope line for help and reply rules, whatever the scope field says (the API refuses channel there)', () => {
    const input = ruleInputFromDraft({ ...EMPTY_RULE_DRAFT, keyword: 'HOURS', action: 'reply', scope: 'channel', replyText: 'Open 9-5' });
    expect(input.scope).toBe('line');
    expect(keywordRuleInputSchema.safeParse(input).success).toBe(true);
  });

  it('round-trips a stored rule through the editor', () => {
    const rule: KeywordRule = { ruleId: 'rule_1', keyword: 'HALT', matchMode: 'exact', action: 'opt_out', scope: 'channel', replyText: 'Bye', lineId: 'line_1', language: 'fr', origin: 'line' };
    expect(ruleInputFromDraft(draftFromRule(rule))).toEqual({ keyword: 'HALT', matchMode: 'exact', action: 'opt_out', scope: 'channel', replyText: 'Bye', lineId: 'line_1', language: 'fr' });
  });

  it('is tested live only once it could be saved', () => {
    expect(isTestableDraft(EMPTY_RULE_DRAFT)).toBe(false);
    expect(isTestableDraft({ ...EMPTY_RULE_DRAFT, keyword: 'HOURS', action: 'reply' })).toBe(false);
    expect(isTestableDraft({ ...EMPTY_RULE_DRAFT, keyword: 'HOURS', action: 'reply', replyText: 'Open' })).toBe(true);
  });
});

describe('settings form ↔ GET / PUT /v1/settings', () => {
  const settings: AccountSettings = {
    ...defaultAccountSettings(),
    channels: {
      ...defaultAccountSettings().channels,
      whatsapp: { defaultStatus: 'opted_in', optOutBlocks: 'marketing', quietHours: { allowedFrom: '09:00', allowedUntil: '20:00' } },
    },
    brandName: 'Acme',
    allowedOrigins: ['https://www.acme.example', 'https://*.acme.example'],
  };

  it('sends back what it was given unchanged: merging the patch changes nothing', () => {
    const patch = patchFromDraft(draftFromSettings(settings));
    expect(accountSettingsPatchSchema.safeParse(patch).success).toBe(true);
    expect(mergeAccountSettings(settings, accountSettingsPatchSchema.parse(patch))).toEqual(settings);
  });

  it('turns the switches and fields into the API’s values', () => {
    const draft = draftFromSettings(settings);
    draft.channels.sms = { ...draft.channels.sms, optedInByDefault: true, quietHours: true, allowedFrom: '08:30', allowedUntil: '20:30' };
    draft.channels.whatsapp = { ...draft.channels.whatsapp, quietHours: false };
    draft.dataMonths = ' 24 ';
    draft.brandName = '';
    draft.allowedOrigins = 'https://a.example\n\n  https://b.example , https://c.example';
    const patch = accountSettingsPatchSchema.parse(patchFromDraft(draft));
    expect(patch.channels?.sms).toEqual({ defaultStatus: 'opted_in', optOutBlocks: 'all', quietHours: { allowedFrom: '08:30', allowedUntil: '20:30' } });
    // Switched off: null removes the window.
    expect(patch.channels?.whatsapp?.quietHours).toBeNull();
    expect(patch.retention).toEqual({ dataMonths: 24, messageHistoryMonths: 13 });
    // An empty brand keeps the stored one (the API cannot clear it).
    expect(patch.brandName).toBeUndefined();
    expect(patch.allowedOrigins).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
  });
});

describe('form editor → POST /v1/forms body', () => {
  it('offers double opt-in and leaves out the country for email only, and is accepted by the API’s schema', () => {
    const sms = formInputFromDraft({ ...EMPTY_FORM_DRAFT, description: ' Deals ', confirmationMessage: 'I agree', defaultCountry: 'us', doubleOptIn: true });
    expect(sms).toEqual({ channel: 'sms', description: 'Deals', confirmationMessage: 'I agree', buttonText: 'Subscribe', doubleOptIn: false, defaultCountry: 'US' });
    expect(webFormInputSchema.safeParse(sms).success).toBe(true);
    const email = formInputFromDraft({ ...EMPTY_FORM_DRAFT, channel: 'email', description: 'News', confirmationMessage: 'Yes', defaultCountry: 'US', doubleOptIn: true, line: 'line_1' });
    expect(email).toEqual({ channel: 'email', line: 'line_1', description: 'News', confirmationMessage: 'Yes', buttonText: 'Subscribe', doubleOptIn: true });
  });

  it('round-trips a stored form', () => {
    const form: WebForm = {
      formId: 'form_1',
      version: 3,
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-02T00:00:00.000Z',
      channel: 'whatsapp',
      description: 'Updates',
      confirmationMessage: 'I agree',
      buttonText: 'Join',
      doubleOptIn: false,
      successMessage: 'Thanks!',
      defaultCountry: 'FR',
    };
    expect(formInputFromDraft(draftFromForm(form))).toEqual({
      channel: 'whatsapp',
      description: 'Updates',
      confirmationMessage: 'I agree',
      buttonText: 'Join',
      doubleOptIn: false,
      successMessage: 'Thanks!',
      defaultCountry: 'FR',
    });
  });
});
