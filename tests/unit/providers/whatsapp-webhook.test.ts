import { describe, expect, it } from 'vitest';
import { phoneNumberIdsOf, whatsAppUpdatesOf } from '../../../shared/adapters/whatsapp/whatsapp-webhook.ts';

const PHONE_NUMBER_ID = '109876543210987';
const OTHER_ID = '109876543210988';

/** A delivery in the Cloud API's shape (entry → changes → value), with one change per value given. */
function delivery(...changes: { field?: string; phoneNumberId?: string; value: Record<string, unknown> }[]) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: changes.map(({ field = 'messages', phoneNumberId = PHONE_NUMBER_ID, value }) => ({
          field,
          value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value },
        })),
      },
    ],
  };
}

const contacts = [{ profile: { name: 'Test Name' }, wa_id: '12025550143' }];
const at = '1749416383';
const atIso = new Date(1749416383 * 1000).toISOString();

describe('phoneNumberIdsOf', () => {
  it('lists each phone number id once, across entries and changes', () => {
    const body = delivery({ value: {} }, { value: {} }, { phoneNumberId: OTHER_ID, value: {} });
    expect(phoneNumberIdsOf(body)).toEqual({ ok: true, value: [PHONE_NUMBER_ID, OTHER_ID] });
  });

  it.each([null, [], 'x', { object: 'page', entry: [] }, { object: 'whatsapp_business_account' }, { object: 'whatsapp_business_account', entry: [] }, { object: 'whatsapp_business_account', entry: [{ changes: 'x' }] }])(
    'refuses what is not a WhatsApp Business Account webhook: %j',
    (body) => {
      expect(phoneNumberIdsOf(body).ok).toBe(false);
    },
  );
});

describe('whatsAppUpdatesOf', () => {
  const ids = new Set([PHONE_NUMBER_ID]);

  it('reads text, template quick-reply buttons and interactive button and list replies', () => {
    const body = delivery({
      value: {
        contacts,
        messages: [
          { from: '12025550143', id: 'wamid.text', timestamp: at, type: 'text', text: { body: 'STOP' } },
          { from: '12025550143', id: 'wamid.button', timestamp: at, type: 'button', button: { payload: 'STOP', text: 'Stop promotions' } },
          { from: '12025550143', id: 'wamid.br', timestamp: at, type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'unsub', title: 'Unsubscribe' } } },
          { from: '12025550143', id: 'wamid.lr', timestamp: at, type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'help', title: 'Help', description: 'x' } } },
        ],
      },
    });
    expect(whatsAppUpdatesOf(body, ids)).toEqual([
      { kind: 'message', phoneNumberId: PHONE_NUMBER_ID, wamid: 'wamid.text', from: '12025550143', occurredAt: atIso, messageType: 'text', text: 'STOP' },
      { kind: 'message', phoneNumberId: PHONE_NUMBER_ID, wamid: 'wamid.button', from: '12025550143', occurredAt: atIso, messageType: 'button', text: 'Stop promotions', payload: 'STOP' },
      { kind: 'message', phoneNumberId: PHONE_NUMBER_ID, wamid: 'wamid.br', from: '12025550143', occurredAt: atIso, messageType: 'button_reply', text: 'Unsubscribe', payload: 'unsub' },
      { kind: 'message', phoneNumberId: PHONE_NUMBER_ID, wamid: 'wamid.lr', from: '12025550143', occurredAt: atIso, messageType: 'list_reply', text: 'Help', payload: 'help' },
    ]);
  });

  it('ignores media, reactions, system messages and malformed messages', () => {
    const body = delivery({
      value: {
        messages: [
          { from: '12025550143', id: 'wamid.img', timestamp: at, type: 'image', image: { id: '1', mime_type: 'image/jpeg' } },
          { from: '12025550143', id: 'wamid.sys', timestamp: at, type: 'system', system: { body: 'changed number', type: 'user_changed_number' } },
          { from: '12025550143', id: 'wamid.bad', timestamp: 'yesterday', type: 'text', text: { body: 'STOP' } },
          { id: 'wamid.nofrom', timestamp: at, type: 'text', text: { body: 'STOP' } },
        ],
      },
    });
    expect(whatsAppUpdatesOf(body, ids).map((update) => update.kind)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
  });

  it('turns a failed status with error 131050 into a marketing opt-out and ignores other statuses', () => {
    const body = delivery({
      value: {
        statuses: [
          { id: 'wamid.out1', status: 'delivered', timestamp: at, recipient_id: '12025550143' },
          {
            id: 'wamid.out2',
            status: 'failed',
            timestamp: at,
            recipient_id: '12025550143',
            errors: [{ code: 131050, title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.' }],
          },
          { id: 'wamid.out3', status: 'failed', timestamp: at, recipient_id: '12025550143', errors: [{ code: 130472, title: 'experiment' }] },
          { id: 'wamid.out4', status: 'failed', timestamp: at, recipient_id: 'group1', recipient_type: 'group', errors: [{ code: 131050 }] },
        ],
      },
    });
    const updates = whatsAppUpdatesOf(body, ids);
    expect(updates.map((update) => update.kind)).toEqual(['ignored', 'marketing_opt_out_error', 'ignored', 'ignored']);
    expect(updates[1]).toMatchObject({ wamid: 'wamid.out2', recipientId: '12025550143', errorCode: 131050, occurredAt: atIso });
  });

  it('reads user_preferences marketing stop and resume, taking the wa_id from the contact when the preference lacks it', () => {
    const body = delivery({
      field: 'user_preferences',
      value: {
        contacts,
        user_preferences: [
          { wa_id: '12025550144', detail: 'User requested to stop marketing messages', category: 'marketing_messages', value: 'stop', timestamp: 1731705721 },
          { category: 'marketing_messages', value: 'resume', timestamp: 1731705722 },
          { category: 'marketing_messages', value: 'signup', timestamp: 1731705723 },
          { category: 'unknown', value: 'bla', timestamp: 1731705724 },
        ],
      },
    });
    const updates = whatsAppUpdatesOf(body, ids);
    expect(updates[0]).toEqual({
      kind: 'marketing_preference',
      phoneNumberId: PHONE_NUMBER_ID,
      waId: '12025550144',
      value: 'stop',
      occurredAt: new Date(1731705721 * 1000).toISOString(),
      detail: 'User requested to stop marketing messages',
    });
    expect(updates[1]).toMatchObject({ kind: 'marketing_preference', waId: '12025550143', value: 'resume' });
    expect(updates.slice(2).map((update) => update.kind)).toEqual(['ignored', 'ignored']);
  });

  it('keeps only the changes of the given phone numbers and acknowledges other fields', () => {
    const body = delivery(
      { phoneNumberId: OTHER_ID, value: { messages: [{ from: '12025550143', id: 'wamid.x', timestamp: at, type: 'text', text: { body: 'STOP' } }] } },
      { field: 'account_update', value: {} },
    );
    expect(whatsAppUpdatesOf(body, ids)).toEqual([{ kind: 'ignored', phoneNumberId: PHONE_NUMBER_ID, what: 'field account_update' }]);
  });

  it('keeps duplicates, in order, for the idempotency check to drop', () => {
    const message = { from: '12025550143', id: 'wamid.dup', timestamp: at, type: 'text', text: { body: 'STOP' } };
    const body = delivery({ value: { messages: [message, message] } });
    expect(whatsAppUpdatesOf(body, ids).map((update) => (update.kind === 'message' ? update.wamid : ''))).toEqual(['wamid.dup', 'wamid.dup']);
  });
});
