import type { Channel } from '../channels.ts';
import { normalizeLineAddress, type Line } from './line.ts';

/** Where a line reference leads: the line, or why not. */
export type LineLookup = { found: Pick<Line, 'lineId' | 'channel'> } | { missing: true };

/**
 * An account's lines by id and by address, for naming a line in bulk input (a CSV import) either way:
 * files from other systems carry the sending number, not optgate's line id.
 */
export class LineDirectory {
  private readonly byId = new Map<string, Pick<Line, 'lineId' | 'channel'>>();
  private readonly byAddress = new Map<string, Pick<Line, 'lineId' | 'channel'>>();

  constructor(lines: readonly Pick<Line, 'lineId' | 'channel' | 'address'>[]) {
    for (const line of lines) {
      this.byId.set(line.lineId, line);
      this.byAddress.set(`${line.channel} ${line.address}`, line);
    }
  }

  /**
   * A line id, or an address on `channel` (normalised as lines are: E.164, short code, lower-case
   * email; an email address also finds the line of its domain).
   */
  resolve(channel: Channel, reference: string): LineLookup {
    const byId = this.byId.get(reference);
    if (byId) return { found: byId };
    let address: string;
    try {
      address = normalizeLineAddress(channel, reference);
    } catch {
      return { missing: true };
    }
    const domain = channel === 'email' && address.includes('@') ? address.slice(address.lastIndexOf('@') + 1) : undefined;
    const found = this.byAddress.get(`${channel} ${address}`) ?? (domain ? this.byAddress.get(`${channel} ${domain}`) : undefined);
    return found ? { found } : { missing: true };
  }
}
