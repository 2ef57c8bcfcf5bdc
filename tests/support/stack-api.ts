/**
 * A JSON caller for the admin API of a local stack a script started itself (benchmarks, the
 * simulation): bearer key in, parsed JSON out, any non-2xx thrown with its body. Tests use api().
 */
export function stackApi(baseUrl: string) {
  return async <T = Record<string, unknown>>(method: string, path: string, key: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
}
