/** For logs: keeps enough to correlate (country code and last two digits, or the domain). */
export function maskContact(address: string): string {
  const at = address.indexOf('@');
  if (at > 0) return `${address[0] ?? ''}***@${address.slice(at + 1)}`;
  if (address.length <= 5) return '***';
  return `${address.slice(0, 3)}***${address.slice(-2)}`;
}
