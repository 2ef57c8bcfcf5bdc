import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';

const FILE = resolve(import.meta.dirname, '../../BENCHMARKS.md');
const TITLE = '# Benchmarks\n\nFigures written by the `npm run bench:*` scripts; each section is replaced when its script runs again.\n';

/** The machine a figure was measured on: CPU count and model, memory, Node version, date, load. */
export function machineLine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
    model = /Model name:\s*(.+)/.exec(lscpu)?.[1]?.trim() ?? model;
  } catch {
    // lscpu is not everywhere; os.cpus() is.
  }
  const nproc = (() => {
    try {
      return execFileSync('nproc', { encoding: 'utf8' }).trim();
    } catch {
      return String(cpus().length);
    }
  })();
  const load = loadavg().map((value) => value.toFixed(1)).join(' / ');
  return `Machine: ${nproc} CPU (\`nproc\`), ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; load average (1/5/15 min) at the end: ${load}.`;
}

/** Replaces (or appends) the section between `<!-- name:start -->` and `<!-- name:end -->`. */
export function writeSection(name: string, markdown: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let content = existsSync(FILE) ? readFileSync(FILE, 'utf8') : TITLE;
  const from = content.indexOf(start);
  const to = content.indexOf(end);
  content = from !== -1 && to > from ? `${content.slice(0, from)}${block}${content.slice(to + end.length)}` : `${content.trimEnd()}\n\n${block}\n`;
  writeFileSync(FILE, content);
  console.log(`BENCHMARKS.md: section ${name} written`);
}
