/**
 * Names reserved for examples and documentation (RFC 2606, RFC 6761): example.com, example.net,
 * example.org and their subdomains, and the .example and .invalid top-level domains. No real server
 * answers there, so a member configured with one (the demo topology's are) is not probed: it reads
 * as a demo endpoint, with the way out, instead of a DNS failure.
 */
const RESERVED = /(^|\.)(example\.(com|net|org)|example|invalid)\.?$/i;

export function isExampleAddress(host: string): boolean {
  return RESERVED.test(host.trim());
}

/** The operator's sentence for a member at an example address, or null for a real address. */
export function exampleAddressReason(host: string, port?: number): string | null {
  if (!isExampleAddress(host)) return null;
  const where = port ? `${host}:${port}` : host;
  return `demo endpoint — ${where} is an example address, not a real server (not probed): set the member's address to your PostgreSQL server to monitor it`;
}
