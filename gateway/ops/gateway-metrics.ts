import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from './metrics.js';
import { methodClass } from './metrics.js';
import type { ExpiringStore } from '../sessions/store.js';
import type { Authenticator } from '../authenticators/types.js';

/**
 * The gateway's own instruments, made once from the metrics interface. Labels are route
 * and authenticator names from the configuration, method classes, status codes and
 * operation names: all bounded. docs/operations.md lists every series.
 */
export function gatewayInstruments(metrics: Metrics) {
  return {
    requests: metrics.counter('http_requests_total', 'Requests answered, by route, method class (read/write) and status code', ['route', 'method', 'status']),
    gatewayDuration: metrics.histogram('gateway_duration_seconds', "The gateway's own work on a request: until it goes upstream, or until the answer when it does not", ['route']),
    upstreamDuration: metrics.histogram('upstream_duration_seconds', 'From sending a request upstream to the upstream response headers', ['route']),
    logins: metrics.counter('logins_total', 'Login attempts by authenticator and result (success, failure, locked)', ['authenticator', 'result']),
    lockouts: metrics.counter('lockouts_total', 'Failures that locked an account or an address', ['authenticator']),
    tokensMinted: metrics.counter('tokens_minted_total', 'Tokens signed for engines, by audience', ['audience']),
    tokenCacheHits: metrics.counter('token_cache_hits_total', 'Requests that reused a cached token, by audience', ['audience']),
    storeDuration: metrics.histogram('store_operation_duration_seconds', 'Session store operations (memory or Redis)', ['operation']),
    storeErrors: metrics.counter('store_errors_total', 'Session store operations that failed', ['operation']),
    mailOutbox: metrics.gauge('mail_outbox_messages', 'Notification mails waiting in the durable outbox (as of the last pass)', []),
    mailSent: metrics.counter('mail_sent_total', 'Notification mails the SMTP server accepted', []),
    mailFailures: metrics.counter('mail_failures_total', 'Failed attempts to send a notification mail; final: given up', ['final']),
    approvals: metrics.counter('approvals_total', 'Held requests by outcome (held, approved, rejected, expired, sent, failed)', ['route', 'outcome']),
  };
}
export type GatewayInstruments = ReturnType<typeof gatewayInstruments>;

/** Each LDAP server's state, read at scrape time: 1 up, 0 down. */
export function registerLdapPoolGauge(metrics: Metrics, authenticators: readonly Authenticator[]): void {
  const pools = authenticators.filter((a): a is Authenticator & { state(): Array<{ id: string; status: string }> } => a.type === 'ldap' && 'state' in a);
  metrics.gauge('ldap_endpoint_up', 'LDAP servers of each pool: 1 up, 0 down', ['authenticator', 'endpoint'], (gauge) => {
    for (const pool of pools) for (const e of pool.state()) gauge.set({ authenticator: pool.name, endpoint: e.id }, e.status === 'up' ? 1 : 0);
  });
}

/** The store with every operation timed and every failure counted. */
export function instrumentStore(store: ExpiringStore, instruments: GatewayInstruments): ExpiringStore {
  const timed = <A extends unknown[], R>(operation: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await fn(...args);
      } catch (err) {
        instruments.storeErrors.inc({ operation });
        throw err;
      } finally {
        instruments.storeDuration.observe({ operation }, (performance.now() - started) / 1000);
      }
    };
  return {
    get: timed('get', (key: string) => store.get(key)) as ExpiringStore['get'],
    set: timed('set', (key: string, value: unknown, ttl: number) => store.set(key, value, ttl)),
    setIfAbsent: timed('setIfAbsent', (key: string, value: unknown, ttl: number) => store.setIfAbsent(key, value, ttl)),
    delete: timed('delete', (key: string) => store.delete(key)),
    increment: timed('increment', (key: string, window: number) => store.increment(key, window)),
    incrementWindow: timed('incrementWindow', (key: string, window: number) => store.incrementWindow(key, window)),
    updateList: timed('updateList', (key: string, change: Parameters<ExpiringStore['updateList']>[1], max: number, ttl: number) => store.updateList(key, change, max, ttl)),
    ping: timed('ping', () => store.ping()),
    close: () => store.close(),
  };
}

const kTiming = Symbol('portcullis.timing');
interface Timing {
  start: number;
  upstreamStart?: number;
  upstreamHeaders?: number;
}
type TimedRequest = FastifyRequest & { [kTiming]?: Timing };

/** The proxy calls this when the request leaves for the upstream. */
export function markUpstreamStart(request: FastifyRequest): void {
  const t = (request as TimedRequest)[kTiming];
  if (t) t.upstreamStart = performance.now();
}

/** The proxy calls this when the upstream's response headers arrive. */
export function markUpstreamHeaders(request: FastifyRequest): void {
  const t = (request as TimedRequest)[kTiming];
  if (t) t.upstreamHeaders = performance.now();
}

/**
 * Count and time every answer. The route label is the configured route's name for proxied
 * paths, fastify's route pattern for the gateway's own pages, `unmatched` for 404s.
 */
export function registerRequestMetrics(app: FastifyInstance, instruments: GatewayInstruments, routeNameByPrefix: ReadonlyMap<string, string>): void {
  const routeOf = (request: FastifyRequest): string => {
    const pattern = request.routeOptions.url;
    if (!pattern) return 'unmatched';
    for (const [prefix, name] of routeNameByPrefix) if (pattern.startsWith(prefix)) return name;
    return pattern;
  };
  app.addHook('onRequest', (request, _reply, done) => {
    (request as TimedRequest)[kTiming] = { start: performance.now() };
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    record(request, reply);
    done();
  });
  const record = (request: FastifyRequest, reply: FastifyReply) => {
    const t = (request as TimedRequest)[kTiming];
    const route = routeOf(request);
    instruments.requests.inc({ route, method: methodClass(request.method), status: reply.statusCode });
    if (!t) return;
    const now = performance.now();
    instruments.gatewayDuration.observe({ route }, ((t.upstreamStart ?? now) - t.start) / 1000);
    if (t.upstreamStart !== undefined && t.upstreamHeaders !== undefined) instruments.upstreamDuration.observe({ route }, (t.upstreamHeaders - t.upstreamStart) / 1000);
  };
}
