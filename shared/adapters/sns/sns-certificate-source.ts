import { X509Certificate } from 'node:crypto';
import { createFetchHttpClient, type HttpClient } from '../http/http-client.ts';
import { SnsSignatureVerifier, type SnsCertificateSource } from './sns-signature.ts';

export class CertificateFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Fetches SNS signing certificates through the injected HTTP client and keeps them for the life of
 * the container (SNS uses a handful of certificates, rotated rarely). A failed fetch is not cached.
 * `baseUrl` (SNS_CERTIFICATE_BASE_URL) replaces the `https://sns.<region>.amazonaws.com` origin:
 * the local stack points it at itself, where it serves the certificate it signs with; the URL in the
 * message has been checked against the SNS host pattern before this is called.
 */
export function createSnsCertificateSource(options: { http: HttpClient; baseUrl?: string; maxEntries?: number }): SnsCertificateSource {
  const cache = new Map<string, Promise<X509Certificate>>();
  const maxEntries = options.maxEntries ?? 32;
  const load = async (url: URL): Promise<X509Certificate> => {
    const target = options.baseUrl ? `${options.baseUrl}${url.pathname}` : url.href;
    const response = await options.http.send({ method: 'GET', url: target });
    if (response.status !== 200) throw new CertificateFetchError(`Signing certificate fetch answered ${response.status}`);
    try {
      return new X509Certificate(response.body);
    } catch {
      throw new CertificateFetchError('The signing certificate is not a PEM certificate');
    }
  };
  return {
    get(url) {
      const key = url.href;
      const cached = cache.get(key);
      if (cached) return cached;
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value ?? '');
      const pending = load(url);
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
      return pending;
    },
  };
}

/**
 * The verifier every SNS-triggered function builds once per container: its topics' allow-list and
 * certificates fetched (3 s timeout) and kept, from the function's validated SNS configuration.
 */
export function createSnsVerifier(config: { topicArns: readonly string[]; certificateBaseUrl?: string | undefined }): SnsSignatureVerifier {
  return new SnsSignatureVerifier({
    allowedTopicArns: config.topicArns,
    certificates: createSnsCertificateSource({ http: createFetchHttpClient({ timeoutMs: 3_000 }), baseUrl: config.certificateBaseUrl }),
  });
}
