/** A file name safe on every system, from parts such as a contact address. */
export function fileNameOf(...parts: string[]): string {
  return parts
    .join('-')
    .replace(/[^A-Za-z0-9@._+-]+/g, '_')
    .replace(/^[.-]+/, '')
    .slice(0, 120);
}
