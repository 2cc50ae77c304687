import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { isDeepStrictEqual } from 'node:util';
import type { PortcullisConfig } from '@portcullis/config/schema/index.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import type { GatewayContext } from '../context.js';
import type { ExpiringStore } from '../sessions/store.js';
import { AUDIT_EVENTS } from './audit-events.js';
import type { DrainResult, MainListener } from './main-listener.js';
import { loadTlsOptions, tlsFilesOf } from './tls-files.js';

/** Shared by every app a reload builds: /readyz turns red the moment shutdown begins. */
export interface Lifecycle {
  draining: boolean;
}

export interface ShutdownSettings {
  readinessGraceSeconds: number;
  drainTimeoutSeconds: number;
}

export interface ShutdownReport extends DrainResult {
  /** from the call to /readyz answering 503 (it flips before anything else happens) */
  readinessFlipMs: number;
}

export type ReloadReport = { ok: true; kid: string; restartNeeded: string[] } | { ok: false; error: Error };

export interface GatewayRuntime {
  /** the app answering now (a reload replaces it) */
  readonly app: FastifyInstance;
  readonly context: GatewayContext;
  readonly url: string;
  readonly listener: MainListener;
  /** readiness red, wait the grace, stop accepting, drain with a bound, cut the rest, close */
  shutdown(settings?: ShutdownSettings): Promise<ShutdownReport>;
  /** build the gateway again from `config` and swap it in; a broken config keeps the running one */
  reload(config: PortcullisConfig): Promise<ReloadReport>;
  /** read the certificate files again and use them for new handshakes */
  reloadCertificates(): Promise<boolean>;
}

interface Built {
  app: FastifyInstance;
  context: GatewayContext;
  /** the store goes on to the next app: closing this one leaves it open */
  handOverStore(): void;
}

export interface RuntimeParts {
  built: Built;
  listener: MainListener;
  lifecycle: Lifecycle;
  log: Logger;
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** build a new gateway; with `store`, reuse that store (sessions survive the reload) */
  rebuild(config: PortcullisConfig, store: ExpiringStore | undefined): Promise<Built>;
  /** after the listener closed: the metrics port, the demo engine */
  afterStop?(): Promise<void>;
}

/** Options a reload cannot change on a listening socket; they wait for a restart. */
function restartOnly(before: PortcullisConfig, after: PortcullisConfig): string[] {
  const out: string[] = [];
  if (before.server.host !== after.server.host || before.server.port !== after.server.port) out.push('server.host/server.port');
  if (Boolean(before.server.tls) !== Boolean(after.server.tls) || before.server.tls?.http2 !== after.server.tls?.http2) out.push('server.tls (on/off, http2)');
  if (!isDeepStrictEqual(before.metrics, after.metrics)) out.push('metrics');
  if (!isDeepStrictEqual(before.demoEngine, after.demoEngine)) out.push('demoEngine');
  const socketOf = (c: PortcullisConfig) => (c.forwardAuth.enabled && c.forwardAuth.socket !== undefined ? [c.forwardAuth.socket, c.forwardAuth.socketMode, c.forwardAuth.path] : []);
  if (!isDeepStrictEqual(socketOf(before), socketOf(after))) out.push('forwardAuth.socket (and its mode and path)');
  return out;
}

export function createRunningGateway(parts: RuntimeParts): GatewayRuntime {
  let current = parts.built;
  const { listener, lifecycle, log } = parts;
  let stopping: Promise<ShutdownReport> | undefined;

  const tlsOf = async (config: PortcullisConfig) => {
    const tls = config.server.tls!;
    const passphrase = tls.keyPassphrase ? await resolveSecret(tls.keyPassphrase, { configDir: parts.configDir, env: parts.env }) : undefined;
    return loadTlsOptions(tls, parts.configDir, passphrase);
  };

  const reloadCertificates = async (): Promise<boolean> => {
    if (!current.context.config.server.tls) return false;
    try {
      listener.setSecureContext(await tlsOf(current.context.config));
      log.info({ event: AUDIT_EVENTS.configReload, what: 'certificates', result: 'applied' }, 'TLS certificate reloaded');
      return true;
    } catch (err) {
      log.error({ event: AUDIT_EVENTS.configReload, what: 'certificates', result: 'refused', reason: (err as Error).message }, 'TLS certificate reload refused; the previous certificate stays in use');
      return false;
    }
  };
  const watchCertificates = (config: PortcullisConfig) => {
    if (config.server.tls?.watch) listener.watchFiles(tlsFilesOf(config.server.tls, parts.configDir), () => void reloadCertificates());
  };
  watchCertificates(current.context.config);

  const runtime: GatewayRuntime = {
    get app() {
      return current.app;
    },
    get context() {
      return current.context;
    },
    url: listener.url,
    listener,
    reloadCertificates,

    async reload(config) {
      const before = current;
      const keepStore = isDeepStrictEqual(before.context.config.session, config.session);
      let next: Built;
      try {
        // the certificate first: a reload that cannot serve TLS is refused before anything is built
        const tls = config.server.tls && before.context.config.server.tls ? await tlsOf(config) : undefined;
        next = await parts.rebuild(config, keepStore ? before.context.store : undefined);
        try {
          await next.app.ready();
        } catch (err) {
          await next.app.close().catch(() => {});
          throw err;
        }
        if (tls) listener.setSecureContext(tls);
      } catch (err) {
        log.error({ event: AUDIT_EVENTS.configReload, result: 'refused', code: (err as { code?: string }).code, reason: (err as Error).message }, 'configuration reload refused; the running configuration stays');
        return { ok: false, error: err as Error };
      }
      listener.use(next.app);
      if (keepStore) before.handOverStore();
      current = next;
      const restartNeeded = restartOnly(before.context.config, config);
      const kid = next.context.keys.current.kid;
      if (kid !== before.context.keys.current.kid) log.info({ event: AUDIT_EVENTS.keyRotation, kid, previousKid: before.context.keys.current.kid }, 'signing key changed');
      log.info({ event: AUDIT_EVENTS.configReload, result: 'applied', sessionsKept: keepStore, ...(restartNeeded.length ? { restartNeeded } : {}) }, 'configuration reloaded');
      // the old app finishes what it is answering, then lets go of its listeners (mtls) and backends
      await listener.settled(before.app, config.server.shutdown.drainTimeoutSeconds * 1000);
      await before.app.close();
      for (const a of next.context.authenticators.request) await a.listen?.(next.app);
      return { ok: true, kid, restartNeeded };
    },

    shutdown(settings = current.context.config.server.shutdown) {
      stopping ??= (async () => {
        const started = Date.now();
        lifecycle.draining = true;
        const readinessFlipMs = Date.now() - started;
        log.info({ readinessGraceSeconds: settings.readinessGraceSeconds, drainTimeoutSeconds: settings.drainTimeoutSeconds }, 'shutting down: readiness is red');
        if (settings.readinessGraceSeconds > 0) await new Promise((r) => setTimeout(r, settings.readinessGraceSeconds * 1000));
        const drained = await listener.drain(settings.drainTimeoutSeconds * 1000);
        if (drained.cut > 0) log.warn({ cut: drained.cut, drainTimeoutSeconds: settings.drainTimeoutSeconds }, 'requests still running at the end of the drain were cut');
        await closeWithin(current.app, 2_000, log);
        await parts.afterStop?.();
        log.info({ elapsedMs: Date.now() - started }, 'gateway stopped');
        return { ...drained, readinessFlipMs };
      })();
      return stopping;
    },
  };
  return runtime;
}

/** app.close() waits for plugins (an upstream pool with a stuck request among them): bound it. */
async function closeWithin(app: FastifyInstance, ms: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const outcome = await Promise.race([app.close().then(() => 'closed' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') log.warn({ ms }, 'closing the gateway took too long; leaving the rest to process exit');
}
