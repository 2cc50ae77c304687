import { OptionsError, TokenError } from '../errors.js';
import type { PortcullisTokenClaims } from './claims.js';

/**
 * An engine that serves several portals trusts the audience of each (`audience: [app, admin]`),
 * but a token minted for one portal must not open another: bind each route to its own
 * audience. Framework-free; the fastify plugin applies it per route
 * (`config: { engineClient: { audience: 'admin' } }`).
 */
export function requireAudience(claims: Pick<PortcullisTokenClaims, 'aud'>, audience: string | readonly string[]): void {
  const allowed = typeof audience === 'string' ? [audience] : audience;
  const aud = claims.aud as string | readonly string[];
  const named = typeof aud === 'string' ? [aud] : aud;
  if (!named.some((a) => allowed.includes(a))) throw new TokenError('TOKEN_WRONG_AUDIENCE', 'token was minted for another audience');
}

/** Check a per-route audience setting: a non-empty string or list of them. */
export function routeAudience(value: unknown, path: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((a) => typeof a !== 'string' || a === '')) {
    throw new OptionsError(path, 'must be an audience or a non-empty list of audiences');
  }
  return Object.freeze([...list] as string[]);
}
