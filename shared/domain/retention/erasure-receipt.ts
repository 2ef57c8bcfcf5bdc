import type { KindCounts } from './item-kind.ts';

/**
 * What DELETE /v1/contacts/{contact} answers: the proof of erasure, without the address. One shape
 * for the API, the CLI and the console.
 */
export interface ErasureReceipt {
  receiptId: string;
  status: 'complete' | 'in_progress';
  /** When the erasure was requested; marketing stays blocked until an opt-in newer than this. */
  erasedAt: string;
  completedAt?: string;
  /** Items deleted, by kind (profile, consent, event, inbound, message, suppression, other). */
  deleted: KindCounts;
  totalDeleted: number;
  /** HMAC-SHA256 of the address under the account's erasure key: all that is kept. */
  contactHash: string;
  /** True when nothing was left to delete: this receipt is the one of the earlier erasure. */
  alreadyErased: boolean;
}
