import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, payload?: Record<string, unknown>): void;
  setTotal(total: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr (stdout stays for results: an export can be piped). Shown on a terminal,
 * or always with --progress (then redrawn about once a second, line by line); never with --quiet.
 */
export function createProgress(options: { enabled: boolean; format: string; total: number; payload?: Record<string, unknown> }): Progress {
  if (!options.enabled) return { update: () => undefined, setTotal: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: options.format,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 1000,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.total, 0, options.payload ?? {});
  return {
    update: (value, payload) => bar.update(value, payload ?? {}),
    setTotal: (total) => bar.setTotal(total),
    stop: () => bar.stop(),
  };
}
