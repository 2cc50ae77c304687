import * as client from 'openid-client';
import type { Logger } from 'pino';
import { OidcConfigError, OidcProviderUnavailableError } from './errors.js';
import type { ResolvedProvider } from './settings.js';
import { isInsecureIssuer } from './settings.js';

export interface ProviderClientOptions {
  httpTimeoutMs: number;
  clockToleranceSeconds: number;
  discoveryCooldownMs: number;
  log: Logger;
}

/**
 * One provider's openid-client configuration, found by discovery. A provider that cannot be
 * reached at start does not stop the gateway: its logins answer 503 and discovery is retried
 * (one attempt at a time, at most once per cooldown). A provider that answers but is wrong
 * (no discovery document, another issuer) is a configuration error and stops the start.
 */
export class ProviderClient {
  readonly provider: ResolvedProvider;
  readonly #options: ProviderClientOptions;
  #config: client.Configuration | undefined;
  #pending: Promise<client.Configuration> | undefined;
  #failedAt = 0;
  #lastFailure: Error | undefined;

  constructor(provider: ResolvedProvider, options: ProviderClientOptions) {
    this.provider = provider;
    this.#options = options;
  }

  /** Discovery at start: a wrong issuer throws OidcConfigError; an unreachable one is only logged. */
  async warmUp(): Promise<void> {
    try {
      await this.configuration();
    } catch (err) {
      if (err instanceof OidcConfigError) throw err;
      this.#options.log.warn({ provider: this.provider.name, issuer: this.provider.issuer, reason: (err as Error).message }, 'oidc provider unreachable at start; logins answer 503 until it is back');
    }
  }

  /** The discovered configuration; throws OidcProviderUnavailableError while the provider is down. */
  async configuration(): Promise<client.Configuration> {
    if (this.#config) return this.#config;
    if (this.#pending) return this.#pending;
    if (this.#lastFailure && Date.now() - this.#failedAt < this.#options.discoveryCooldownMs) throw this.#lastFailure;
    this.#pending = this.#discover().then(
      (config) => {
        this.#config = config;
        this.#lastFailure = undefined;
        return config;
      },
      (err: Error) => {
        this.#failedAt = Date.now();
        this.#lastFailure = err;
        throw err;
      },
    );
    try {
      return await this.#pending;
    } finally {
      this.#pending = undefined;
    }
  }

  async #discover(): Promise<client.Configuration> {
    const p = this.provider;
    const url = `${p.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let config: client.Configuration;
    try {
      config = await client.discovery(new URL(p.issuer), p.config.clientId, { [client.clockTolerance]: this.#options.clockToleranceSeconds }, clientAuthOf(p), {
        timeout: Math.ceil(this.#options.httpTimeoutMs / 1000),
        // the ID token's signature is checked too, not only trusted because it came over TLS
        execute: isInsecureIssuer(p.issuer) ? [client.allowInsecureRequests, client.enableNonRepudiationChecks] : [client.enableNonRepudiationChecks],
      });
    } catch (err) {
      if (isUnreachable(err)) throw new OidcProviderUnavailableError(`provider ${p.name}: discovery at ${url} failed: ${describe(err)}`, err);
      throw new OidcConfigError(`${p.at}.issuer`, `discovery at ${url} failed: ${describe(err)}`, err);
    }
    const metadata = config.serverMetadata();
    if (!metadata.authorization_endpoint || !metadata.token_endpoint || !metadata.jwks_uri) {
      throw new OidcConfigError(`${p.at}.issuer`, `the discovery document at ${url} lacks authorization_endpoint, token_endpoint or jwks_uri`);
    }
    const offered = metadata.id_token_signing_alg_values_supported ?? ['RS256'];
    if (!offered.some((alg) => p.config.idTokenAlgorithms.includes(alg as never))) {
      throw new OidcConfigError(`${p.at}.idTokenAlgorithms`, `the provider at ${url} signs ID tokens with ${offered.join(', ')}, none of which is allowed`);
    }
    config.timeout = Math.ceil(this.#options.httpTimeoutMs / 1000);
    return config;
  }
}

function clientAuthOf(p: ResolvedProvider): client.ClientAuth {
  const c = p.credentials;
  if (c.method === 'client_secret_basic') return client.ClientSecretBasic(c.secret);
  if (c.method === 'client_secret_post') return client.ClientSecretPost(c.secret);
  if (c.method === 'private_key_jwt') return client.PrivateKeyJwt(c.kid ? { key: c.key, kid: c.kid } : c.key);
  throw new TypeError('unknown client authentication method');
}

/** A network failure, a timeout or a 5xx answer: the provider is down, not misconfigured. */
export function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const name = (e as Error).name;
    const code = (e as { code?: string }).code;
    if (name === 'AbortError' || name === 'TimeoutError') return true;
    if (e instanceof TypeError && /fetch failed/i.test(e.message)) return true;
    if (code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND|UND_ERR_\w+)$/.test(code)) return true;
    if (e instanceof Response && e.status >= 500) return true;
    if (typeof (e as { status?: unknown }).status === 'number' && (e as { status: number }).status >= 500) return true;
  }
  return false;
}

/** A one-line description of a failure without tokens in it (openid-client messages carry none). */
export function describe(err: unknown): string {
  const e = err as Error & { code?: string; error?: string; status?: number; cause?: unknown };
  const parts = [e?.message ?? String(err)];
  if (e?.error) parts.push(`error=${e.error}`);
  const cause = e?.cause as (Error & { code?: string; status?: number }) | undefined;
  if (cause instanceof Response) parts.push(`HTTP ${cause.status}`);
  else if (cause?.message && cause.message !== e.message) parts.push(`cause: ${cause.code ?? ''} ${cause.message}`.trim());
  return parts.join('; ');
}
