import type { ItemWriteTally } from '../support/aws-proxy.ts';
import type { Item } from '../support/dynamodb-write-units.ts';

/**
 * The kind of an optgate item from its key (wire format), as table-keys.ts lays them out: what the
 * benchmarks' "where the write units go" tables are grouped by.
 */
export function itemKindOf(key: Item): string {
  const pk = typeof key.pk?.S === 'string' ? key.pk.S : '';
  const sk = typeof key.sk?.S === 'string' ? key.sk.S : '';
  if (pk.includes('#STATS#')) return 'report counter';
  if (pk.startsWith('GATE#RECEIPT#')) return 'gate receipt';
  if (sk.startsWith('INBOUND#')) return 'inbound marker';
  if (sk.startsWith('EVENT#')) return 'audit event';
  if (sk.startsWith('CONSENT#')) return 'consent record';
  if (sk.startsWith('SUMMARY#')) return 'consent summary';
  if (sk.startsWith('SUPPRESSION#')) return 'suppression';
  if (sk.startsWith('MSG#')) return 'message history';
  if (sk === 'PROFILE') return 'contact profile';
  if (sk === '' && pk === '') return 'other';
  return sk.split('#')[0] ?? 'other';
}

export interface WriteBreakdownRow {
  item: string;
  writesPer: number;
  transactionalShare: number;
  meanBytes: number;
  tableUnitsPer: number;
  indexUnitsPer: Record<string, number>;
  totalPer: number;
}

/** Per event (webhook, message): the tallies divided by the number of events, biggest first. */
export function writeBreakdown(tallies: ReadonlyMap<string, ItemWriteTally>, events: number): WriteBreakdownRow[] {
  return [...tallies.entries()]
    .map(([item, tally]) => {
      const indexUnitsPer = Object.fromEntries(Object.entries(tally.indexUnits).map(([index, units]) => [index, units / events]));
      const tableUnitsPer = tally.tableUnits / events;
      return {
        item,
        writesPer: tally.writes / events,
        transactionalShare: tally.writes > 0 ? tally.transactional / tally.writes : 0,
        meanBytes: tally.writes > 0 ? tally.bytes / tally.writes : 0,
        tableUnitsPer,
        indexUnitsPer,
        totalPer: tableUnitsPer + Object.values(indexUnitsPer).reduce((sum, units) => sum + units, 0),
      };
    })
    .sort((a, b) => b.totalPer - a.totalPer);
}

/** A markdown table of one breakdown. */
export function writeBreakdownTable(rows: readonly WriteBreakdownRow[]): string {
  const indexes = [...new Set(rows.flatMap((row) => Object.keys(row.indexUnitsPer)))].sort();
  const head = `| item | writes | in a transaction | mean size (bytes) | table units | ${indexes.map((index) => `${index} units`).join(' | ')}${indexes.length > 0 ? ' | ' : ''}units |`;
  const rule = `|---|---|---|---|---|${indexes.map(() => '---|').join('')}---|`;
  const body = rows.map(
    (row) =>
      `| ${row.item} | ${row.writesPer.toFixed(2)} | ${(row.transactionalShare * 100).toFixed(0)} % | ${row.meanBytes.toFixed(0)} | ${row.tableUnitsPer.toFixed(2)} | ${indexes.map((index) => (row.indexUnitsPer[index] ?? 0).toFixed(2)).join(' | ')}${indexes.length > 0 ? ' | ' : ''}**${row.totalPer.toFixed(2)}** |`,
  );
  return [head, rule, ...body].join('\n');
}
