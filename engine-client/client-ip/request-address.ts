import type { ClientAddressDecision, ClientAddressResolver, HeaderBag } from './client-address.js';

/** What the decision needs from a request; a fastify request and a node IncomingMessage both fit. */
export interface RequestLike {
  headers: HeaderBag;
  socket?: { remoteAddress?: string } | null;
  raw?: object;
}

/**
 * A request's decisions. Nearly every request is decided by one resolver, so the first is
 * kept inline and a map is made only for a second one: no collection allocated per request.
 */
interface Decided {
  resolver: ClientAddressResolver;
  decision: ClientAddressDecision;
  others?: Map<ClientAddressResolver, ClientAddressDecision>;
}

/** Kept on the request itself: a WeakMap entry per request was a measurable cost (ephemerons, GC). */
const kDecided = Symbol('portcullis.clientAddress');

type Keyed = { [kDecided]?: Decided };

/**
 * The client address of a request, decided once per request and resolver: the allow list,
 * the REST guard and the log line then agree on the same answer.
 */
export function clientAddressOf(request: RequestLike, resolve: ClientAddressResolver): ClientAddressDecision {
  const key = (request.raw ?? request) as Keyed;
  const entry = key[kDecided];
  if (entry === undefined) {
    const decision = resolve(request.socket?.remoteAddress ?? undefined, request.headers);
    key[kDecided] = { resolver: resolve, decision };
    return decision;
  }
  if (entry.resolver === resolve) return entry.decision;
  let decision = entry.others?.get(resolve);
  if (!decision) {
    decision = resolve(request.socket?.remoteAddress ?? undefined, request.headers);
    (entry.others ??= new Map()).set(resolve, decision);
  }
  return decision;
}
