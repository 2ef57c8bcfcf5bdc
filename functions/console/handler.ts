import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../../shared/domain/errors.ts';
import { header, pathParameter } from '../../shared/http/api-gateway-request.ts';
import { httpHandler, type HttpEvent, type HttpResult } from '../../shared/http/http-handler.ts';
import { CONSOLE_CSP } from '../../shared/web/content-security-policy.ts';
import { loadStaticSite, type StaticFile } from '../../shared/web/static-site.ts';

/**
 * The built console sits next to this module: functions/console/app/dist here, app/dist beside
 * index.mjs in the Lambda bundle (the CDK app copies it there, see the manifest's staticAssets).
 */
const site = loadStaticSite(fileURLToPath(new URL('./app/dist/', import.meta.url)), 'build it with `npm run build:console`');

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function serve(event: HttpEvent, file: StaticFile, headers: Record<string, string>): HttpResult {
  const gzip = file.gzip !== undefined && /\bgzip\b/.test(header(event, 'accept-encoding') ?? '');
  return {
    statusCode: 200,
    headers: {
      'content-type': file.contentType,
      ...SECURITY_HEADERS,
      ...headers,
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: (gzip && file.gzip ? file.gzip : file.body).toString('base64'),
    isBase64Encoded: true,
  };
}

/** GET /console (the page) and GET /console/assets/{file} (its script, style and icon, named by content hash). */
export const handler = httpHandler(async (event) => {
  if (event.routeKey === 'GET /console') {
    const page = site.get('index.html');
    if (!page) throw new NotFoundError('The console is not built');
    // The page names the current asset hashes: always fetched fresh; the assets never change.
    return serve(event, page, { 'content-security-policy': CONSOLE_CSP, 'x-frame-options': 'DENY', 'cache-control': 'no-cache' });
  }
  const name = pathParameter(event, 'file');
  const asset = site.get(`assets/${name}`);
  if (!asset || name.includes('/')) throw new NotFoundError(`No console asset ${name}`);
  return serve(event, asset, { 'cache-control': 'public, max-age=31536000, immutable' });
});
