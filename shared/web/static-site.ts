import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface StaticFile {
  body: Buffer;
  /** Present for files of 1 KB or more (compressing smaller ones saves nothing). */
  gzip?: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export class StaticSiteMissingError extends Error {
  constructor(dir: string, hint: string) {
    super(`No built files in ${dir}: ${hint}`);
    this.name = 'StaticSiteMissingError';
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/**
 * A built web app, read into memory once (a cold start): relative path ("index.html",
 * "assets/index-3f2a.js") → bytes, gzipped copy and media type. A missing build fails fast with
 * what to do, instead of answering 404s later.
 */
export function loadStaticSite(dir: string, hint: string): ReadonlyMap<string, StaticFile> {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new StaticSiteMissingError(dir, hint);
  const site = new Map<string, StaticFile>();
  for (const file of filesUnder(dir)) {
    const contentType = CONTENT_TYPES[extname(file)];
    if (!contentType) continue;
    const body = readFileSync(file);
    const compressible = body.length >= 1024;
    site.set(relative(dir, file).split(sep).join('/'), { body, contentType, ...(compressible ? { gzip: gzipSync(body, { level: 9 }) } : {}) });
  }
  if (!site.has('index.html')) throw new StaticSiteMissingError(dir, hint);
  return site;
}
