import type { ClientAddressDecision, ClientAddressResolver, HeaderBag } from './client-address.js';

/** What the decision needs from a request; a fastify request and a node IncomingMessage both fit. */
export interface RequestLike {
  headers: HeaderBag;
  socket?: { remoteAddress?: string } | null;
  raw?: object;
}

const decided = new WeakMap<object, WeakMap<ClientAddressResolver, ClientAddressDecision>>();

/**
 * The client address of a request, decided once per request and resolver: the allow list,
 * the REST guard and the log line then agree on the same answer.
 */
export function clientAddressOf(request: RequestLike, resolve: ClientAddressResolver): ClientAddressDecision {
  const key = request.raw ?? request;
  let byResolver = decided.get(key);
  if (!byResolver) {
    byResolver = new WeakMap();
    decided.set(key, byResolver);
  }
  let decision = byResolver.get(resolve);
  if (!decision) {
    decision = resolve(request.socket?.remoteAddress ?? undefined, request.headers);
    byResolver.set(resolve, decision);
  }
  return decision;
}
