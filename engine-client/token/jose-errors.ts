/**
 * Turn jose's failures into our coded errors, keeping jose's error as `cause` (for the log).
 * The reason phrases are short and fixed: they go into WWW-Authenticate's error_description.
 */
import { errors as jose } from 'jose';
import { EngineClientError, JwksError, TokenError } from '../errors.js';

function claimError(err: { claim: string; reason: string }, cause: unknown): TokenError {
  if (err.reason === 'missing' || err.reason === 'invalid') {
    return new TokenError('TOKEN_CLAIM_INVALID', `claim ${err.claim} ${err.reason}`, { cause });
  }
  switch (err.claim) {
    case 'nbf':
      return new TokenError('TOKEN_NOT_YET_VALID', 'token not yet valid', { cause });
    case 'iat':
      return new TokenError('TOKEN_NOT_YET_VALID', 'token issued in the future', { cause });
    case 'iss':
      return new TokenError('TOKEN_WRONG_ISSUER', 'wrong issuer', { cause });
    case 'aud':
      return new TokenError('TOKEN_WRONG_AUDIENCE', 'wrong audience', { cause });
    default:
      return new TokenError('TOKEN_CLAIM_INVALID', err.reason === 'missing' ? `claim ${err.claim} missing` : `claim ${err.claim} invalid`, { cause });
  }
}

/** Map any failure of jose's verification (or of fetching the JWKS) to an EngineClientError. */
export function fromJoseError(err: unknown, trust: 'jwks' | 'keys' | 'dev'): EngineClientError {
  if (err instanceof EngineClientError) return err;
  if (err instanceof jose.JWTExpired) {
    return new TokenError('TOKEN_EXPIRED', err.claim === 'iat' ? 'token too old' : 'token expired', { cause: err });
  }
  if (err instanceof jose.JWTClaimValidationFailed) return claimError(err, err);
  if (err instanceof jose.JOSEAlgNotAllowed) return new TokenError('TOKEN_ALG_NOT_ALLOWED', 'algorithm not allowed', { cause: err });
  if (err instanceof jose.JWSSignatureVerificationFailed) return new TokenError('TOKEN_BAD_SIGNATURE', 'bad signature', { cause: err });
  if (err instanceof jose.JWKSNoMatchingKey) return new TokenError('TOKEN_UNKNOWN_KID', 'unknown key id', { cause: err });
  // two trusted keys share the token's kid and alg: ambiguous trust is refused, not guessed
  if (err instanceof jose.JWKSMultipleMatchingKeys) return new TokenError('TOKEN_UNKNOWN_KID', 'ambiguous key id', { cause: err });
  if (err instanceof jose.JWKSTimeout) return new JwksError('JWKS_UNAVAILABLE', 'the token signing keys could not be fetched in time', err);
  if (err instanceof jose.JWKSInvalid || err instanceof jose.JWKInvalid) {
    return trust === 'jwks'
      ? new JwksError('JWKS_INVALID', 'the token signing keys endpoint answered with an unusable key set', err)
      : new TokenError('TOKEN_UNKNOWN_KID', 'unusable key', { cause: err });
  }
  if (err instanceof jose.JWSInvalid || err instanceof jose.JWTInvalid || err instanceof jose.JOSENotSupported) {
    return new TokenError('TOKEN_MALFORMED', 'malformed token', { cause: err });
  }
  if (err instanceof jose.JOSEError) {
    // the remaining generic JOSEErrors come from the JWKS fetch: non-200 or non-JSON answer
    return trust === 'jwks'
      ? new JwksError('JWKS_INVALID', 'the token signing keys endpoint answered with an error', err)
      : new TokenError('TOKEN_MALFORMED', 'malformed token', { cause: err });
  }
  if (trust === 'jwks' && err instanceof Error && ((err.name === 'TypeError' && err.message === 'fetch failed') || err.name === 'AbortError' || err.name === 'TimeoutError')) {
    // fetch() rejects with TypeError('fetch failed') on connection errors
    return new JwksError('JWKS_UNAVAILABLE', 'the token signing keys could not be fetched', err);
  }
  return new TokenError('TOKEN_MALFORMED', 'malformed token', { cause: err });
}
