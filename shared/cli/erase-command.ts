import type { ErasureReceipt } from '../domain/retention/erasure-receipt.ts';
import type { ApiClient } from './api-client.ts';
import { createProgress } from './progress.ts';

/**
 * Erases a contact: DELETE answers 202 while a large erasure is still running (each call continues
 * it); the CLI calls again until the receipt says complete.
 */
export async function eraseContact(client: ApiClient, contact: string, options: { progress: boolean; maxCalls?: number }): Promise<ErasureReceipt> {
  const progress = createProgress({ enabled: options.progress, format: 'erasing | {deleted} items deleted | {duration_formatted}', total: 0, payload: { deleted: 0 } });
  try {
    for (let call = 1; call <= (options.maxCalls ?? 1000); call += 1) {
      const { status, body } = await client.json<ErasureReceipt>('DELETE', `/v1/contacts/${encodeURIComponent(contact)}`);
      progress.update(0, { deleted: body.totalDeleted });
      if (status === 200 || body.status === 'complete') return body;
    }
  } finally {
    progress.stop();
  }
  throw new Error('The erasure is still running; run the command again to continue it');
}

export function formatReceipt(receipt: ErasureReceipt): string {
  const kinds = Object.entries(receipt.deleted)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(' · ');
  return [
    `${receipt.alreadyErased ? 'Already erased' : 'Erased'}: receipt ${receipt.receiptId}, requested ${receipt.erasedAt}${receipt.completedAt ? `, completed ${receipt.completedAt}` : ''}`,
    `  deleted ${receipt.totalDeleted} item(s)${kinds ? `: ${kinds}` : ''}`,
    `  kept: tombstone ${receipt.contactHash} (keyed hash; marketing stays blocked until a newer opt-in)`,
  ].join('\n');
}
