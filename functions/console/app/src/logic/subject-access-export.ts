import type { ContactExport } from '../api/types.ts';

/**
 * The export of a contact that holds more than one response can carry comes in pages (nextCursor):
 * the download is one document, each list the concatenation of the pages' lists, in order.
 */
export function mergeExportPages(pages: readonly ContactExport[]): ContactExport {
  const [first, ...rest] = pages;
  if (!first) throw new Error('No export page to merge');
  const merged: ContactExport = { ...first };
  delete merged.nextCursor;
  for (const page of rest) {
    for (const [key, value] of Object.entries(page)) {
      const current = merged[key];
      if (Array.isArray(value) && Array.isArray(current)) merged[key] = [...current, ...value];
      else if (Array.isArray(value) && current === undefined) merged[key] = [...value];
    }
  }
  return merged;
}
