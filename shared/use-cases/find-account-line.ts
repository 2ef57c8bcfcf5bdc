import type { LineRouter } from '../adapters/dynamodb/line-router.ts';
import { normalizeLineAddress, type Line } from '../domain/accounts/line.ts';
import type { Channel } from '../domain/channels.ts';

/**
 * A line of the account named by its id (`line_…`) or by its address on the channel (`+12025550100`,
 * `news@example.com`, which also finds the line of its domain): operators and senders know their
 * numbers, not our ids. Another account's line
 * is not found, exactly like one that does not exist.
 */
export async function findAccountLine(lineStore: Pick<LineRouter, 'getLine' | 'findRoute' | 'findEmailRoute'>, accountId: string, channel: Channel, reference: string): Promise<Line | undefined> {
  const byId = await lineStore.getLine(accountId, reference);
  if (byId) return byId;
  let address: string;
  try {
    address = normalizeLineAddress(channel, reference);
  } catch {
    return undefined;
  }
  const route = channel === 'email' ? await lineStore.findEmailRoute(address) : await lineStore.findRoute(channel, address);
  return route?.accountId === accountId ? lineStore.getLine(accountId, route.lineId) : undefined;
}
