import type { ComponentChildren } from 'preact';

/**
 * Wide tables scroll sideways inside their own box on a phone instead of widening the page; the box
 * is focusable and named so that keyboard users can scroll it too.
 */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
