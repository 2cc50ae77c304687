import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { importPKCS8 } from 'jose';
import type { OidcAuthenticatorConfig, OidcProviderConfig } from '@portcullis/config/schema/oidc.js';
import { OIDC_DEFAULTS } from '@portcullis/config/schema/oidc.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import { OidcConfigError } from './errors.js';

/** How the gateway authenticates itself at a provider's token endpoint. */
export type ClientCredentials =
  | { method: 'client_secret_basic' | 'client_secret_post'; secret: string }
  | { method: 'private_key_jwt'; key: CryptoKey; kid?: string; alg: string };

/** One provider with its secrets resolved and its gateway URLs written out. */
export interface ResolvedProvider {
  name: string;
  label: string;
  issuer: string;
  /** the option path, for errors that name it */
  at: string;
  credentials: ClientCredentials;
  redirectUri: string;
  postLogoutRedirectUri: string;
  backchannelLogoutUri: string;
  config: OidcProviderConfig;
}

export interface ResolvedOidc {
  name: string;
  providers: ResolvedProvider[];
  /** 32 bytes for AES-256-GCM over the tokens kept in sessions */
  tokenKey: Buffer;
  config: OidcAuthenticatorConfig;
}

export interface SettingsContext {
  configDir: string;
  publicUrl: string;
  /** true when sessions live in a store several gateways share (Redis) */
  storeShared: boolean;
}

/** The gateway paths of one provider; the provider's name keeps responses of two providers apart (mix-up). */
export const providerPaths = (provider: string) => {
  const base = `${OIDC_DEFAULTS.basePath}/${provider}`;
  return { callback: `${base}/callback`, loggedOut: `${base}/logged-out`, backchannelLogout: `${base}/backchannel-logout` };
};

/** Read the OIDC options into usable settings. Every failure names its option path. */
export async function resolveOidcSettings(config: OidcAuthenticatorConfig, ctx: SettingsContext, at = `authenticators[${config.name}]`): Promise<ResolvedOidc> {
  const base = ctx.publicUrl.replace(/\/+$/, '');
  const providers: ResolvedProvider[] = [];
  for (const [i, p] of config.providers.entries()) {
    const pat = `${at}.providers[${i}]`;
    checkIssuer(p.issuer, `${pat}.issuer`);
    const paths = providerPaths(p.name);
    providers.push({
      name: p.name,
      label: p.label ?? `Sign in with ${p.name}`,
      issuer: p.issuer,
      at: pat,
      credentials: await credentialsOf(p, ctx, pat),
      redirectUri: `${base}${paths.callback}`,
      postLogoutRedirectUri: `${base}${paths.loggedOut}`,
      backchannelLogoutUri: `${base}${paths.backchannelLogout}`,
      config: p,
    });
  }
  return { name: config.name, providers, tokenKey: await tokenKeyOf(config, ctx, at), config };
}

/** https only, except loopback addresses (a provider on the same machine, tests). */
function checkIssuer(issuer: string, at: string): void {
  const url = new URL(issuer);
  if (url.protocol === 'https:') return;
  const loopback = url.hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname) || url.hostname === '[::1]';
  if (url.protocol === 'http:' && loopback) return;
  throw new OidcConfigError(at, `the issuer must be an https URL (plain http only on a loopback address), got ${issuer}`);
}

export function isInsecureIssuer(issuer: string): boolean {
  return new URL(issuer).protocol === 'http:';
}

async function credentialsOf(p: OidcProviderConfig, ctx: SettingsContext, at: string): Promise<ClientCredentials> {
  if (p.clientAuth !== 'private_key_jwt') {
    return { method: p.clientAuth, secret: await secret(p.clientSecret!, ctx, `${at}.clientSecret`) };
  }
  const pem = await secret(p.privateKey!, ctx, `${at}.privateKey`);
  try {
    const pkcs8 = createPrivateKey(pem).export({ format: 'pem', type: 'pkcs8' }).toString();
    const key = await importPKCS8(pkcs8, p.privateKeyAlgorithm, { extractable: false });
    return { method: 'private_key_jwt', key, kid: p.privateKeyId, alg: p.privateKeyAlgorithm };
  } catch (err) {
    // a parse error's message never contains the key itself
    throw new OidcConfigError(`${at}.privateKey`, `not a usable ${p.privateKeyAlgorithm} private key: ${(err as Error).message}`, err);
  }
}

/** The key of the token box: from the configuration, or random per process when sessions die with it. */
async function tokenKeyOf(config: OidcAuthenticatorConfig, ctx: SettingsContext, at: string): Promise<Buffer> {
  if (!config.tokenEncryptionKey) {
    if (ctx.storeShared) {
      throw new OidcConfigError(
        `${at}.tokenEncryptionKey`,
        'is required when sessions are kept in a shared store (redis): refresh tokens are encrypted with it, and every gateway needs the same key',
      );
    }
    return randomBytes(32);
  }
  const value = await secret(config.tokenEncryptionKey, ctx, `${at}.tokenEncryptionKey`);
  // 32 bytes in base64 (`openssl rand -base64 32`) are the key; a longer passphrase is hashed to one
  const decoded = Buffer.from(value, 'base64');
  if (decoded.length === 32 && /^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return decoded;
  if (value.length < 32) throw new OidcConfigError(`${at}.tokenEncryptionKey`, 'must be 32 bytes in base64 (`openssl rand -base64 32`) or a passphrase of at least 32 characters');
  return createHash('sha256').update(value, 'utf8').digest();
}

async function secret(ref: string, ctx: SettingsContext, at: string): Promise<string> {
  try {
    return await resolveSecret(ref, { configDir: ctx.configDir });
  } catch (err) {
    throw new OidcConfigError(at, (err as Error).message, err);
  }
}
