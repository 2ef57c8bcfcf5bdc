import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccountReader } from '../adapters/dynamodb/account-reader.ts';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
import { header } from './api-gateway-request.ts';
import type { HttpEvent } from './http-handler.ts';

export type Caller = { kind: 'operator' } | { kind: 'account'; accountId: string; keyId: string };

function bearerToken(event: HttpEvent): string {
  const value = header(event, 'authorization');
  const match = /^Bearer\s+(\S{10,200})$/i.exec(value ?? '');
  if (!match?.[1]) throw new UnauthorizedError();
  return match[1];
}

/**
 * Resolves the caller from `Authorization: Bearer <key>`: the operator key (compared by hash,
 * constant-time) or an account key (looked up by hash). Every account route then works only inside
 * the account the key belongs to: ids from the path are never trusted to pick the account.
 */
export async function authenticate(event: HttpEvent, deps: { accountStore: AccountReader; operatorKeySha256?: string }): Promise<Caller> {
  const token = bearerToken(event);
  const tokenHash = createHash('sha256').update(token, 'utf8').digest();
  if (deps.operatorKeySha256 && timingSafeEqual(tokenHash, Buffer.from(deps.operatorKeySha256, 'hex'))) {
    return { kind: 'operator' };
  }
  const key = await deps.accountStore.findAccountByApiKey(token);
  if (!key) throw new UnauthorizedError('The API key is not valid');
  return { kind: 'account', ...key };
}

export function requireAccount(caller: Caller): { accountId: string; keyId: string } {
  if (caller.kind !== 'account') throw new ForbiddenError('This route needs an account API key, not the operator key');
  return caller;
}

export function requireOperator(caller: Caller): void {
  if (caller.kind !== 'operator') throw new ForbiddenError('Only the operator key can create accounts');
}
