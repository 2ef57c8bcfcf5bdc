import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends one email; SES v2 in AWS, the local stack's fake SES endpoint in development and tests. */
export interface MailSender {
  send(mail: OutgoingMail): Promise<string | undefined>;
}

/** Created once per container; the endpoint comes from AWS_ENDPOINT_URL_SESV2 when set (local stack). */
export function createSesClient(): SESv2Client {
  return new SESv2Client({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 } });
}

export class SesMailSender implements MailSender {
  constructor(private readonly client: SESv2Client) {}

  async send(mail: OutgoingMail): Promise<string | undefined> {
    const result = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: mail.from,
        Destination: { ToAddresses: [mail.to] },
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
          },
        },
      }),
    );
    return result.MessageId;
  }
}
