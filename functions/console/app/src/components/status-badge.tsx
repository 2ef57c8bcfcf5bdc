import type { ReportedStatus } from '../api/types.ts';
import { statusDisplay } from '../logic/status-display.ts';

/** ✓ Opted in · ✗ Opted out (red) · – Not defined: the symbol is decoration, the words carry it. */
export function StatusBadge({ status, suffix }: { status: ReportedStatus; suffix?: string }) {
  const shown = statusDisplay(status);
  return (
    <span class={`status status-${shown.tone}`}>
      <span class="status-symbol" aria-hidden="true">
        {shown.symbol}
      </span>{' '}
      {shown.text}
      {suffix ? ` ${suffix}` : ''}
    </span>
  );
}
