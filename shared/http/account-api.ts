import type { Context } from 'aws-lambda';
import type { AccountReader } from '../adapters/dynamodb/account-reader.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { RouteKey } from '../manifest.ts';
import { authenticate, requireAccount, requireOperator } from './authenticate.ts';
import { httpHandler, type HttpEvent, type HttpResult } from './http-handler.ts';

export type Account = { accountId: string; keyId: string };
/**
 * A route that works inside the caller's account (the key decides the account, never the path).
 * `deadlineMs` is when a long route (erasure, retention, import) answers with a checkpoint instead
 * of being cut off by the function timeout.
 */
export type AccountRoute = (event: HttpEvent, account: Account, deadlineMs: number) => Promise<HttpResult>;
export type AccountRoutes = Partial<Record<RouteKey, AccountRoute>>;
/** A route only the operator key may call (creating accounts). */
export type OperatorRoute = (event: HttpEvent) => Promise<HttpResult>;

/** Time kept back from the function timeout to answer with a checkpoint instead of being cut off. */
export const RESPONSE_MARGIN_MS = 8_000;

/**
 * The one handler of every API-key authorised function: authenticate the caller (operator key or
 * account key), then dispatch on the route key: operator routes refuse account keys, account routes
 * refuse the operator key, and a route the function does not serve is a 404 (after authentication,
 * so an unknown caller learns nothing about the routes).
 */
export function accountApiHandler(
  auth: { accountStore: AccountReader; operatorKeySha256?: string },
  routes: { account: AccountRoutes; operator?: Partial<Record<RouteKey, OperatorRoute>> },
) {
  return httpHandler(async (event: HttpEvent, context: Context) => {
    const deadlineMs = Date.now() + Math.max(1_000, context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS);
    const caller = await authenticate(event, auth);
    const routeKey = event.routeKey as RouteKey;
    const operatorRoute = routes.operator?.[routeKey];
    if (operatorRoute) {
      requireOperator(caller);
      return operatorRoute(event);
    }
    const route = routes.account[routeKey];
    if (!route) throw new NotFoundError(`No route ${event.routeKey}`);
    return route(event, requireAccount(caller), deadlineMs);
  });
}
