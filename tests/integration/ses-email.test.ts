import { beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createLine } from '../support/api-client.ts';
import { consentOf, eventsOf, lineConsent } from '../support/consent.ts';
import { deliverSes, sesBounce, sesComplaint, sesReceived, uniqueDomain } from '../support/ses.ts';

let counter = 0;
const uniqueEmail = () => `person.${Date.now()}.${(counter += 1)}@example.net`;

describe('SES through SNS', () => {
  let key: string;
  let line: { lineId: string; address: string };
  let domainLine: { lineId: string; address: string };

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('SES test'));
    line = await createLine(key, { channel: 'email', provider: 'ses', address: `news@${uniqueDomain()}` });
    domainLine = await createLine(key, { channel: 'email', provider: 'ses', address: uniqueDomain() });
  });

  describe('bounces and complaints', () => {
    it('a complaint opts the address out of email for the whole account and suppresses it; a redelivery changes nothing', async () => {
      const contact = uniqueEmail();
      const complaint = sesComplaint({ sender: line.address, recipients: [contact] });
      const delivered = await deliverSes(complaint);
      expect(delivered.topic).toBe('sesFeedback');

      const consent = await consentOf(key, contact);
      expect(consent.suppressions).toEqual([expect.objectContaining({ channel: 'email', reason: 'complaint' })]);
      expect(consent.channels.find((channel) => channel.channel === 'email')).toMatchObject({
        status: 'opted_out',
        source: 'provider',
        evidence: expect.objectContaining({ reason: 'complaint', feedbackId: complaint.complaint.feedbackId }),
      });
      // Channel-wide: every email line of the account is opted out, not only the sender.
      for (const entry of consent.lines.filter((candidate) => candidate.channel === 'email')) {
        expect((entry as unknown as { effective: { status: string } }).effective.status).toBe('opted_out');
      }

      await deliverSes(complaint);
      expect(await eventsOf(key, contact)).toHaveLength(1);
    });

    it('a permanent bounce suppresses every recipient without touching consent; a transient one changes nothing', async () => {
      const [hard, alsoHard, soft] = [uniqueEmail(), uniqueEmail(), uniqueEmail()];
      const bounce = sesBounce({ sender: line.address, recipients: [hard, alsoHard], bounceType: 'Permanent' });
      await deliverSes(bounce);
      for (const contact of [hard, alsoHard]) {
        const consent = await consentOf(key, contact);
        expect(consent.suppressions).toEqual([expect.objectContaining({ channel: 'email', reason: 'hard_bounce' })]);
        expect(consent.channels.find((channel) => channel.channel === 'email')?.status).toBe('not_defined');
        const events = await eventsOf(key, contact);
        expect(events).toEqual([expect.objectContaining({ type: 'suppression', suppressionReason: 'hard_bounce', source: 'provider' })]);
      }
      await deliverSes(bounce);
      expect(await eventsOf(key, hard)).toHaveLength(1);

      await deliverSes(sesBounce({ sender: line.address, recipients: [soft], bounceType: 'Transient' }));
      expect((await consentOf(key, soft)).suppressions).toEqual([]);
      expect(await eventsOf(key, soft)).toHaveLength(0);
    });

    it('finds the line by the sending domain too', async () => {
      const contact = uniqueEmail();
      await deliverSes(sesComplaint({ sender: `offers@${domainLine.address}`, recipients: [contact] }));
      expect((await consentOf(key, contact)).suppressions).toHaveLength(1);
    });

    it('drops a message whose SNS signature does not verify, one from an unknown sender, and malformed ones', async () => {
      const contact = uniqueEmail();
      await deliverSes(sesComplaint({ sender: line.address, recipients: [contact] }), { tamper: true });
      await deliverSes(sesComplaint({ sender: `news@${uniqueDomain()}`, recipients: [contact] }));
      await deliverSes('not json');
      await deliverSes({ notificationType: 'Complaint', complaint: { complainedRecipients: [] } });
      await deliverSes(sesComplaint({ sender: line.address, recipients: ['not-an-address'] }));
      expect((await consentOf(key, contact)).suppressions).toEqual([]);
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });
  });

  describe('inbound replies', () => {
    it('opts the sender out of email on the receiving line when the subject is an unsubscribe keyword', async () => {
      const contact = uniqueEmail();
      const reply = sesReceived({ from: `"A Reader" <${contact}>`, to: line.address, subject: 'Re: Unsubscribe' });
      const delivered = await deliverSes(reply);
      expect(delivered.topic).toBe('sesInbound');
      expect(await lineConsent(key, contact, line.lineId)).toMatchObject({
        status: 'opted_out',
        source: 'keyword',
        evidence: expect.objectContaining({ matchedOn: 'subject', keyword: 'UNSUBSCRIBE' }),
      });
      expect((await lineConsent(key, contact, domainLine.lineId))?.status).toBe('not_defined');
      await deliverSes(reply);
      expect(await eventsOf(key, contact)).toHaveLength(1);
    });

    it('reads the first line of a multipart, quoted-printable reply', async () => {
      const contact = uniqueEmail();
      const content = [
        `From: ${contact}`,
        `To: unsubscribe@${domainLine.address}`,
        'Subject: Re: Our spring offers',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=UTF-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '',
        'STOP',
        '',
        'On Mon, Acme News wrote:',
        '> Our offers, with =C3=A9t=C3=A9 prices',
        '--b1',
        'Content-Type: text/html; charset=UTF-8',
        '',
        '<p>STOP</p>',
        '--b1--',
        '',
      ].join('\r\n');
      await deliverSes(sesReceived({ from: contact, to: `unsubscribe@${domainLine.address}`, subject: 'Re: Our spring offers', content }));
      expect(await lineConsent(key, contact, domainLine.lineId)).toMatchObject({ status: 'opted_out', evidence: expect.objectContaining({ matchedOn: 'first_line' }) });
    });

    it('changes nothing for other mail, and flags a plain-language request for review', async () => {
      const [chatter, polite] = [uniqueEmail(), uniqueEmail()];
      await deliverSes(sesReceived({ from: chatter, to: line.address, subject: 'Question about my order', content: 'Subject: x\r\n\r\nWhere is my parcel?\r\n' }));
      expect(await eventsOf(key, chatter)).toHaveLength(0);
      await deliverSes(sesReceived({ from: polite, to: line.address, subject: 'Please remove me from your mailing list' }));
      expect((await lineConsent(key, polite, line.lineId))?.status).toBe('not_defined');
      expect(await eventsOf(key, polite)).toEqual([expect.objectContaining({ type: 'flagged_for_review' })]);
    });

    it('never opts in by email, and ignores mail to unknown addresses and tampered deliveries', async () => {
      const contact = uniqueEmail();
      await deliverSes(sesReceived({ from: contact, to: line.address, subject: 'START' }));
      await deliverSes(sesReceived({ from: contact, to: `news@${uniqueDomain()}`, subject: 'STOP' }));
      await deliverSes(sesReceived({ from: contact, to: line.address, subject: 'STOP' }), { tamper: true });
      expect((await lineConsent(key, contact, line.lineId))?.status).toBe('not_defined');
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });
  });
});
