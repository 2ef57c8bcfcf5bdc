import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorFromResponse, describeApiError } from '../../../functions/console/app/src/logic/api-error.ts';

const json = 'application/json; charset=utf-8';
const body = (code: string, message: string, details?: unknown) => JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } });

describe('apiErrorFromResponse', () => {
  it('classifies by status and keeps the API’s code, message and field issues', () => {
    expect(apiErrorFromResponse(401, json, body('unauthorized', 'The API key is not valid'))).toMatchObject({ kind: 'unauthorized', status: 401, code: 'unauthorized' });
    expect(apiErrorFromResponse(403, json, body('forbidden', 'operator key')).kind).toBe('forbidden');
    expect(apiErrorFromResponse(409, json, body('conflict', 'taken')).kind).toBe('refused');
    expect(apiErrorFromResponse(503, json, body('service_unavailable', 'retry')).kind).toBe('server');
    const invalid = apiErrorFromResponse(
      400,
      json,
      body('validation_failed', 'Invalid body', [{ path: 'body.keyword', message: 'Too small' }, { nonsense: true }, 'x']),
    );
    expect(invalid.issues).toEqual([{ path: 'body.keyword', message: 'Too small' }]);
  });

  it('does not trust a body that is not the API’s error (proxy pages, cut-off JSON)', () => {
    for (const [type, text] of [
      ['text/html', '<html>Bad gateway</html>'],
      [json, '{"error": '],
      [json, '{"message":"other shape"}'],
    ] as const) {
      const error = apiErrorFromResponse(502, type, text);
      expect(error).toMatchObject({ kind: 'server', status: 502, code: undefined, message: 'no explanation came with the answer.' });
    }
  });
});

describe('describeApiError', () => {
  it('says what happened and what to do, in whole sentences', () => {
    expect(describeApiError(new ApiError('unauthorized', 'The API key is not valid', 401, 'unauthorized'))).toBe(
      'The API key was not accepted (HTTP 401 unauthorized): The API key is not valid. Sign in again with a valid account key.',
    );
    expect(describeApiError(new ApiError('server', 'Something went wrong; retry later', 500, 'internal_error'))).toBe(
      'The API failed (HTTP 500 internal_error): Something went wrong; retry later. Try again in a moment.',
    );
    expect(describeApiError(new ApiError('refused', 'No line line_1 in this account', 400, 'validation_failed'))).toBe(
      'The API refused the request (HTTP 400 validation_failed): No line line_1 in this account.',
    );
    expect(describeApiError(new ApiError('network', 'Failed to fetch'))).toBe(
      'The optgate API could not be reached: Failed to fetch. Check that optgate is running, then try again.',
    );
    expect(describeApiError(new ApiError('unexpected', 'HTTP 200 with text/html instead of JSON', 200))).toBe(
      'The API sent an answer the console cannot read: HTTP 200 with text/html instead of JSON.',
    );
    expect(describeApiError(new ApiError('forbidden', 'Only the operator key can create accounts.', 403, 'forbidden'))).toBe(
      'This key may not do that (HTTP 403 forbidden): Only the operator key can create accounts.',
    );
  });

  it('explains errors that are not from the API too', () => {
    expect(describeApiError(new TypeError('x is undefined'))).toBe('The console hit an unexpected problem: x is undefined. Reload the page.');
    expect(describeApiError('boom')).toBe('The console hit an unexpected problem: boom. Reload the page.');
  });
});
