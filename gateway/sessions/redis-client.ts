import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisSettings } from '@portcullis/config/schema/index.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import { GatewayError } from '../errors.js';

export type RedisClient = Redis | Cluster;

/** Where the gateway looks for Redis, for error messages (never with a password). */
export function redisAddressOf(settings: RedisSettings): string {
  if (settings.mode === 'sentinel') return `sentinels ${settings.sentinels!.join(', ')} (master '${settings.masterName}')`;
  if (settings.mode === 'cluster') return `cluster nodes ${settings.nodes!.join(', ')}`;
  return settings.url;
}

function hostPortOf(entry: string): { host: string; port: number } {
  const colon = entry.lastIndexOf(':');
  return { host: entry.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(entry.slice(colon + 1)) };
}

/**
 * One ioredis client for the configured topology. Commands wait in the offline queue while
 * the connection is re-established (a Sentinel failover, a Cluster slot move), but never
 * longer than `waitMs`: then they fail and the request is answered 503, never let through.
 */
export async function createRedisClient(
  settings: RedisSettings,
  context: { configDir: string; env: NodeJS.ProcessEnv; log: Logger; /** where the settings are, for errors (default `session.redis`) */ configPath?: string },
): Promise<RedisClient> {
  const secret = (ref: string | undefined) => (ref ? resolveSecret(ref, { configDir: context.configDir, env: context.env }) : Promise.resolve(undefined));
  const tlsWanted = settings.tls?.enabled === true || settings.url.startsWith('rediss://') || settings.tls?.caFile !== undefined;
  const tls = tlsWanted ? { ca: settings.tls?.caFile ? await readFile(resolve(context.configDir, settings.tls.caFile)) : undefined } : undefined;
  const common: RedisOptions = {
    username: settings.username,
    password: await secret(settings.password),
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.waitMs,
    maxRetriesPerRequest: null, // the deadline above bounds the wait, not a retry count
    enableOfflineQueue: true,
    // reconnect quickly at first, then every second at most: recovery needs no restart
    retryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
    lazyConnect: true,
  };
  const { Redis, Cluster } = await import('ioredis');
  let client: RedisClient;
  if (settings.mode === 'cluster') {
    const options: ClusterOptions = {
      redisOptions: { ...common, tls, maxRetriesPerRequest: null },
      lazyConnect: true,
      enableOfflineQueue: true,
      clusterRetryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
      slotsRefreshTimeout: settings.connectTimeoutMs,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      // bounded by commandTimeout; enough redirections to ride out a replica promotion
      maxRedirections: 64,
    };
    client = new Cluster(settings.nodes!.map(hostPortOf), options);
  } else if (settings.mode === 'sentinel') {
    client = new Redis({
      ...common,
      sentinels: settings.sentinels!.map(hostPortOf),
      name: settings.masterName!,
      sentinelPassword: await secret(settings.sentinelPassword),
      sentinelUsername: undefined,
      tls,
      sentinelTLS: tls,
      enableTLSForSentinelMode: tls !== undefined,
      sentinelRetryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
      sentinelMaxConnections: 10,
      // follow +switch-master at once instead of waiting for the old master to drop us
      failoverDetector: true,
      // a demoted master answers READONLY: reconnect (to the new master) and send the command again
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    });
  } else {
    client = new Redis(settings.url, { ...common, tls });
  }
  let lastProblem = '';
  client.on('error', (err: Error & { code?: string }) => {
    // one line per distinct problem, not one per reconnect attempt
    if (err.message === lastProblem) return;
    lastProblem = err.message;
    context.log.error({ code: err.code, problem: err.message }, 'redis connection problem');
  });
  client.on('ready', () => {
    if (lastProblem) context.log.info('redis connection ready again');
    lastProblem = '';
  });
  const address = redisAddressOf(settings);
  try {
    await withDeadline(client.connect(), settings.connectTimeoutMs + 500, `no answer within ${settings.connectTimeoutMs} ms`);
    await withDeadline(client.ping(), settings.connectTimeoutMs, `no answer to PING within ${settings.connectTimeoutMs} ms`);
  } catch (cause) {
    client.disconnect();
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new GatewayError('GW_STORE_UNAVAILABLE', 503, `${context.configPath ?? 'session.redis'}: cannot connect to Redis at ${address}: ${why}`, { cause });
  }
  return client;
}

/** Rejects with `message` when `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
