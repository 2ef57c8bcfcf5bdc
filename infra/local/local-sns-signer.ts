import { sign } from 'node:crypto';
import { snsStringToSign, type SnsSignedFields } from '../../shared/adapters/sns/sns-signature.ts';
import { createSelfSignedCertificate } from './self-signed-certificate.ts';

export const LOCAL_SNS_CERTIFICATE_FILE = 'SimpleNotificationService-optgate-local.pem';

export interface LocalSnsSigner {
  certificatePem: string;
  /** Where the message says its certificate is: an SNS URL, as the functions' verifier requires. */
  certificateUrl: string;
  /** SignatureVersion 2 (SHA256withRSA) over the SNS string to sign. */
  sign(message: SnsSignedFields): string;
}

/**
 * Signs what the local stack delivers as SNS would, with a key and certificate made at start-up.
 * The certificate URL stays https://sns.<region>.amazonaws.com/…; the functions fetch it from the
 * local stack because SNS_CERTIFICATE_BASE_URL points their certificate source here. The handlers
 * run the same verification as in AWS, with no local branch.
 */
export function createLocalSnsSigner(region: string, now = new Date()): LocalSnsSigner {
  const day = 24 * 3600 * 1000;
  const { certificatePem, privateKey } = createSelfSignedCertificate({
    commonName: 'sns.amazonaws.com',
    notBefore: new Date(now.getTime() - day),
    notAfter: new Date(now.getTime() + 3650 * day),
  });
  return {
    certificatePem,
    certificateUrl: `https://sns.${region}.amazonaws.com/${LOCAL_SNS_CERTIFICATE_FILE}`,
    sign(message) {
      const stringToSign = snsStringToSign(message);
      if (stringToSign === undefined) throw new Error('SNS message lacks a signed field');
      return sign('sha256', Buffer.from(stringToSign, 'utf8'), privateKey).toString('base64');
    },
  };
}
