/**
 * Builds the operator console (functions/console/app, Preact + Vite) into functions/console/app/dist,
 * unless the build there is already of the current sources. `npm start`, the integration tests and
 * the CDK bundling step all call it, so nobody has to remember a build step and an unchanged app
 * costs one hash of a few files. Run by hand: `npm run build:console` (add `--force` to rebuild).
 *
 * The fingerprint covers the app's folder and package-lock.json (the versions of Preact, Vite and
 * Chart.js). The app imports nothing at run time from outside its folder (eslint enforces it; type
 * imports are erased), so that is everything the output depends on.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
export const CONSOLE_APP_DIR = join(PROJECT_ROOT, 'functions/console/app');
export const CONSOLE_DIST_DIR = join(CONSOLE_APP_DIR, 'dist');
const FINGERPRINT_FILE = '.source-fingerprint';
const LOCK_DIR = join(CONSOLE_APP_DIR, '.build-lock');
/** A lock older than this belongs to a build that died; a real build takes seconds. */
const STALE_LOCK_MS = 5 * 60 * 1000;
const IGNORED = new Set(['dist', 'node_modules', '.build-lock']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !IGNORED.has(entry.name) && !entry.name.startsWith('dist-'))
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

/** What the build output depends on: every app file (path and bytes) and the lock file. */
export function consoleSourceFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(CONSOLE_APP_DIR), join(PROJECT_ROOT, 'package-lock.json')]) {
    hash.update(relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function builtFingerprint(): string | undefined {
  const file = join(CONSOLE_DIST_DIR, FINGERPRINT_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** One build at a time across processes (two `npm start`s, parallel test workers): mkdir is atomic. */
async function withLock<T>(action: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const lock = statSync(LOCK_DIR, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
      else await new Promise((done) => setTimeout(done, 200));
    }
  }
  try {
    return await action();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/**
 * Makes sure dist/ holds a build of the current sources: returns at once when it does, else runs
 * `vite build` (in a child process: Vite sets NODE_ENV and other process-wide state) into a fresh
 * folder and swaps it in, so a reader never sees half a build.
 */
export async function ensureBuilt(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<{ built: boolean }> {
  const wanted = consoleSourceFingerprint();
  if (!options.force && builtFingerprint() === wanted) return { built: false };
  return withLock(async () => {
    // Another process may have built it while this one waited for the lock.
    if (!options.force && builtFingerprint() === wanted) return { built: false };
    options.log?.('Building the operator console (vite build)…');
    const viteBin = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
    const outDir = `${CONSOLE_DIST_DIR}-${process.pid}`;
    rmSync(outDir, { recursive: true, force: true });
    try {
      await run(process.execPath, [viteBin, 'build', '--config', join(CONSOLE_APP_DIR, 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
        cwd: CONSOLE_APP_DIR,
        env: { ...process.env, NODE_ENV: 'production' },
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      rmSync(outDir, { recursive: true, force: true });
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`vite build of the console failed:\n${stderr ?? ''}${stdout ?? ''}`, { cause: error });
    }
    writeFileSync(join(outDir, FINGERPRINT_FILE), `${wanted}\n`);
    rmSync(CONSOLE_DIST_DIR, { recursive: true, force: true });
    renameSync(outDir, CONSOLE_DIST_DIR);
    return { built: true };
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { built } = await ensureBuilt({ force: process.argv.includes('--force'), log: (line) => console.error(line) });
  console.error(built ? `Console built into ${relative(process.cwd(), CONSOLE_DIST_DIR)} in ${Date.now() - started} ms` : 'Console build is up to date');
}
