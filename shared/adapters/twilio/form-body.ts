/** Thrown when an application/x-www-form-urlencoded body cannot be decoded. */
export class MalformedBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Decodes an application/x-www-form-urlencoded body: `+` is a space, repeated keys become arrays
 * (in the order sent), empty segments (`a=1&&b=2`, a trailing `&`) are skipped, a key without `=`
 * has the value ''.
 *
 * Not URLSearchParams: it silently keeps malformed escapes (`%zz`) as text, replaces invalid UTF-8
 * with U+FFFD and drops a leading `?`, so a forged or corrupted body would decode to something other
 * than what was signed instead of being rejected.
 */
/** Form parameters; a name given several times keeps every value. */
export type FormParams = Record<string, string | string[]>;

export function parseFormBody(raw: string): FormParams {
  const values = new Map<string, string[]>();
  const segments = raw.split('&');
  segments.forEach((segment, index) => {
    if (segment === '') return;
    const eq = segment.indexOf('=');
    const key = decodeComponent(eq === -1 ? segment : segment.slice(0, eq), index);
    const value = eq === -1 ? '' : decodeComponent(segment.slice(eq + 1), index);
    const existing = values.get(key);
    if (existing) existing.push(value);
    else values.set(key, [value]);
  });
  // Object.fromEntries defines own properties, so a key such as `__proto__` cannot touch the prototype.
  return Object.fromEntries(
    Array.from(values, ([key, list]): [string, string | string[]] => [key, list.length === 1 ? (list[0] ?? '') : list]),
  );
}

function decodeComponent(encoded: string, index: number): string {
  try {
    return decodeURIComponent(encoded.replaceAll('+', ' '));
  } catch {
    // The text itself is left out of the message: bodies carry phone numbers and message text.
    throw new MalformedBodyError(
      `Malformed form body: parameter ${index + 1} has an invalid percent-escape (expected %XX hex encoding UTF-8)`,
    );
  }
}
