import type { Channel, ConsentSource, ConsentStatus } from '../channels.ts';

/** One consent record as the snapshot (GET /v1/reports/snapshot) lists it. */
export interface SnapshotRow {
  contact: string;
  channel: Channel;
  /** The line id, or `{channel}:*` for a channel-wide record. */
  line: string;
  status: ConsentStatus;
  occurredAt: string;
  source: ConsentSource;
  updatedAt: string;
}

/** One page of the snapshot as JSON. */
export interface SnapshotPage {
  lines: string[];
  status?: string;
  rows: SnapshotRow[];
  nextCursor?: string;
}
