import type { HttpEvent, HttpResult } from '../../shared/http/http-handler.ts';

export type Account = { accountId: string; keyId: string };
/** An admin route that works inside the caller's account (the key decides the account, never the path). */
export type AccountRoute = (event: HttpEvent, account: Account) => Promise<HttpResult>;
