/**
 * Whether a request target is one of the verify endpoint's: `<path>` itself (with a query or
 * not) or under `<path>/envoy/`. Compared as sent, case and all: a spelling the router would
 * not take for the endpoint is not let through as one.
 */
export function servesVerify(path: string, target: string): boolean {
  const query = target.indexOf('?');
  const pathname = query === -1 ? target : target.slice(0, query);
  return pathname === path || pathname.startsWith(`${path}/envoy/`);
}
