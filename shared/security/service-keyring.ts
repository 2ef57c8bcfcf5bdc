import { hkdfSync } from 'node:crypto';
import * as z from '../validation/zod.ts';

/**
 * The service keys: one secret (Secrets Manager in AWS, a file in the data folder locally) holding
 * `{"current": "<key id>", "<key id>": "<random string>", …}`. The current key seals new values;
 * every key listed opens what it sealed, so a rotation adds a key and never breaks stored values.
 */
export interface ServiceKeyring {
  readonly currentKeyId: string;
  /** 32-byte AES keys by key id, derived from the secret's strings. */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** What CloudFormation generates on first deploy: `{"current":"k1","k1":"<64 random letters and digits>"}`. */
export const SERVICE_KEY_SECRET_TEMPLATE = {
  template: { current: 'k1' },
  generateStringKey: 'k1',
} as const;

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** 32 letters and digits carry ~190 bits; Secrets Manager generates 64 (~380 bits). */
const MIN_KEY_MATERIAL_LENGTH = 32;

export class ServiceKeyringError extends Error {
  override readonly name = 'ServiceKeyringError';
}

const secretSchema = z.record(z.string(), z.string());

/** Parses the secret's JSON; the message never contains key material. */
export function parseServiceKeyring(secretString: string): ServiceKeyring {
  let raw: unknown;
  try {
    raw = JSON.parse(secretString);
  } catch {
    throw new ServiceKeyringError('The service key secret is not JSON');
  }
  const parsed = secretSchema.safeParse(raw);
  if (!parsed.success) throw new ServiceKeyringError('The service key secret must be a JSON object of strings');
  const { current, ...material } = parsed.data;
  if (current === undefined || !KEY_ID.test(current)) throw new ServiceKeyringError('The service key secret must name its "current" key id');
  const keys = new Map<string, Buffer>();
  for (const [keyId, value] of Object.entries(material)) {
    if (!KEY_ID.test(keyId)) throw new ServiceKeyringError(`Service key id "${keyId.slice(0, 40)}" must be 1-32 letters, digits, _ or -`);
    if (value.length < MIN_KEY_MATERIAL_LENGTH) throw new ServiceKeyringError(`Service key "${keyId}" must be at least ${MIN_KEY_MATERIAL_LENGTH} characters`);
    keys.set(keyId, deriveKey(value));
  }
  if (!keys.has(current)) throw new ServiceKeyringError(`The current service key "${current}" is not in the secret`);
  return { currentKeyId: current, keys };
}

/** HKDF-SHA256: whatever the secret's characters, the cipher gets a uniform 256-bit key. */
function deriveKey(material: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(material, 'utf8'), Buffer.alloc(0), 'optgate secret box v1', 32));
}
