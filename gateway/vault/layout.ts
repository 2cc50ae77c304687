import { createHash } from 'node:crypto';

/**
 * Where the vault's records live in the durable store:
 *   vault/verify/<master key id>          a known text sealed under that master key
 *   vault/keys/<user>                     the user's data key, wrapped by one master key
 *   vault/creds/<user>/<credential key>   one sealed credential value
 * `<user>` is the login id percent-encoded (so it holds no `/`), or its digest when long.
 */
export const VERIFY_PREFIX = 'vault/verify/';
export const DATA_KEY_PREFIX = 'vault/keys/';
export const CREDENTIAL_PREFIX = 'vault/creds/';

export function userPart(userId: string): string {
  const encoded = encodeURIComponent(userId);
  return encoded.length <= 160 ? encoded : `~${createHash('sha256').update(userId).digest('hex')}`;
}

export const verificationRecord = (keyId: string) => `${VERIFY_PREFIX}${encodeURIComponent(keyId)}`;
export const dataKeyRecord = (userId: string) => `${DATA_KEY_PREFIX}${userPart(userId)}`;
export const credentialsPrefix = (userId: string) => `${CREDENTIAL_PREFIX}${userPart(userId)}/`;
export const credentialRecord = (userId: string, key: string) => `${credentialsPrefix(userId)}${key}`;

/** A stored credential: the sealed value and when it was set; the user id for a digest-named user. */
export interface CredentialRecord {
  userId: string;
  sealed: string;
  updatedAt: string;
}

/** A user's data key, sealed under master key `keyId`. */
export interface DataKeyRecord {
  userId: string;
  keyId: string;
  wrapped: string;
  createdAt: string;
}

export interface VerificationRecord {
  keyId: string;
  sealed: string;
}
