import { z } from 'zod';
import { secretRef } from './common.js';
import { DEFAULTS } from '../defaults.js';

/** Master key ids go into record names and log lines: short and plain. */
const keyId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, _ . - (starting with a letter or digit)');

/** The documented credential name charset, so `$credentials_KEY` and `${credentials.KEY}` can always name it. */
export const CREDENTIAL_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

export const vaultSchema = z
  .strictObject({
    /**
     * Master keys that wrap the users' data keys: 32 random bytes, base64 or hex, given as a
     * secret reference. The first (or `activeKey`) wraps new data keys; the others only unwrap,
     * until `portcullis vault rotate-key` has moved every data key to the active one.
     */
    masterKeys: z.array(z.strictObject({ id: keyId, key: secretRef })).default([]),
    /** the id of the master key new data keys are wrapped with; default the first */
    activeKey: keyId.optional(),
    /** demo only: with no master key configured, generate one into the data folder (refused under NODE_ENV=production) */
    demoKey: z.boolean().default(false),
    /**
     * how long each gateway reuses a credential record it read (still encrypted; decrypted on
     * every use): a change made through another gateway or the CLI shows after at most this long
     */
    readCacheMs: z.number().int().min(0).max(60_000).default(DEFAULTS.vault.readCacheMs),
    /** roles that may list and remove other users' credential keys (never read a value) */
    adminRoles: z.array(z.string().min(1)).default([]),
    limits: z
      .strictObject({
        /** longest credential name (letters, digits, `_`, starting with a letter) */
        keyMaxLength: z.number().int().min(1).max(128).default(DEFAULTS.vault.keyMaxLength),
        /** largest value, UTF-8 bytes */
        valueMaxBytes: z.number().int().min(1).max(1024 * 1024).default(DEFAULTS.vault.valueMaxBytes),
        /** most credentials one user may store */
        perUser: z.number().int().min(1).max(10_000).default(DEFAULTS.vault.perUser),
      })
      .default(() => ({ keyMaxLength: DEFAULTS.vault.keyMaxLength, valueMaxBytes: DEFAULTS.vault.valueMaxBytes, perUser: DEFAULTS.vault.perUser })),
    /**
     * Scheduled work without the user: a technical user (client certificate, `mtls` authenticator)
     * acting for one engine audience may read the named keys of that audience's users.
     */
    technicalGrants: z
      .array(
        z.strictObject({
          /** the technical user's login id as the mtls authenticator maps it */
          technicalUser: z.string().min(1),
          /** the engine (route audience) it works for; its users are those who may open a route of that audience */
          audience: z.string().min(1),
          /** credential names it may read */
          keys: z.array(z.string().regex(CREDENTIAL_KEY_PATTERN, 'must be a credential name')).min(1),
        }),
      )
      .default([]),
  })
  .superRefine((v, ctx) => {
    const ids = v.masterKeys.map((k) => k.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['masterKeys', i, 'id'], message: `master key id '${id}' is used twice` });
    });
    if (v.activeKey && !ids.includes(v.activeKey)) ctx.addIssue({ code: 'custom', path: ['activeKey'], message: `no master key has the id '${v.activeKey}'` });
    if (v.demoKey && v.masterKeys.length > 0) ctx.addIssue({ code: 'custom', path: ['demoKey'], message: 'a generated demo key and configured master keys exclude each other' });
  });

export type VaultSettings = z.infer<typeof vaultSchema>;
