import type { KeywordRule, Line } from '../api/types.ts';

/**
 * The custom rules that can act on messages sent to a line: the account's rules for its channel (or
 * every channel) and the line's own rules, line rules first (they win), then by keyword.
 */
export function rulesForLine<R extends KeywordRule>(rules: readonly R[], line: Line): R[] {
  return rules
    .filter((rule) => (rule.lineId === undefined || rule.lineId === line.lineId) && (rule.channel === undefined || rule.channel === line.channel))
    .sort((a, b) => Number(b.lineId !== undefined) - Number(a.lineId !== undefined) || a.keyword.localeCompare(b.keyword));
}
