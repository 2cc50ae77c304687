/**
 * After the signature and the registered time/iss/aud claims check out (jose does those),
 * make sure the payload is the contract's shape (claims.ts) before anyone reads it: the
 * types an engine relies on (roles is a list of strings, ...) are enforced, not assumed.
 */
import type { JWTPayload } from 'jose';
import { TokenError } from '../errors.js';
import type { ActorClaim, AuthLevel, PortcullisTokenClaims } from './claims.js';

/** Claims jose must find (it checks their time semantics); the rest are typed here. */
export const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti'] as const;

const LEVELS: readonly AuthLevel[] = ['auth.weak', 'auth.strong'];
/** RFC 8693 nesting deeper than this is refused (a chain of delegations is short) */
const MAX_ACTOR_DEPTH = 5;

function invalid(claim: string): TokenError {
  return new TokenError('TOKEN_CLAIM_INVALID', `claim ${claim} invalid`);
}

function nonEmptyString(payload: JWTPayload, claim: string): void {
  const value = payload[claim];
  if (value === undefined) throw new TokenError('TOKEN_CLAIM_INVALID', `claim ${claim} missing`);
  if (typeof value !== 'string' || value === '') throw invalid(claim);
}

function stringArray(payload: JWTPayload, claim: string, required: boolean): void {
  const value = payload[claim];
  if (value === undefined) {
    if (required) throw new TokenError('TOKEN_CLAIM_INVALID', `claim ${claim} missing`);
    return;
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw invalid(claim);
}

function checkActor(value: unknown, depth: number): value is ActorClaim {
  if (depth > MAX_ACTOR_DEPTH || value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const actor = value as Record<string, unknown>;
  if (typeof actor.sub !== 'string' || actor.sub === '') return false;
  return actor.act === undefined || checkActor(actor.act, depth + 1);
}

/**
 * Check the contract claims and return the payload typed, with the optional list claims
 * filled in (groups, amr: empty) and `acr` defaulted to the weaker level when absent.
 */
export function checkContractClaims(payload: JWTPayload): PortcullisTokenClaims {
  nonEmptyString(payload, 'sub');
  nonEmptyString(payload, 'jti');
  stringArray(payload, 'roles', true);
  stringArray(payload, 'groups', false);
  stringArray(payload, 'amr', false);
  if (payload.sid !== undefined && typeof payload.sid !== 'string') throw invalid('sid');
  if (payload.acr !== undefined && !LEVELS.includes(payload.acr as AuthLevel)) throw invalid('acr');
  if (payload.act !== undefined && !checkActor(payload.act, 1)) throw invalid('act');
  stringArray(payload, 'approved_by', false);
  if (Array.isArray(payload.approved_by) && (payload.approved_by.length === 0 || payload.approved_by.some((a) => a === ''))) throw invalid('approved_by');
  if (payload.approval_id !== undefined && (typeof payload.approval_id !== 'string' || payload.approval_id === '')) throw invalid('approval_id');
  // an approval names its approvers: one without the other is not the contract
  if ((payload.approved_by === undefined) !== (payload.approval_id === undefined)) throw invalid(payload.approved_by === undefined ? 'approved_by' : 'approval_id');
  // the contract's aud is one engine; jose already checked it names ours.
  // Frozen all the way down: the verified-token cache hands the same object to many requests.
  return deepFreeze({
    ...payload,
    groups: payload.groups ?? [],
    amr: payload.amr ?? [],
    acr: payload.acr ?? 'auth.weak',
  }) as PortcullisTokenClaims;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
