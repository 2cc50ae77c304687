import { z } from 'zod';
import { roleMappingSchema, secretRef, urlString } from './common.js';

/**
 * Defaults of the SAML authenticator, written out once. (Kept here rather than in
 * config/defaults.ts so the SAML area owns its own numbers; the README table lists them.)
 */
export const SAML_DEFAULTS = {
  /** tolerated clock difference with the IdP for NotBefore / NotOnOrAfter */
  clockSkewSeconds: 60,
  /** how long an AuthnRequest id waits for its response (the user's time at the IdP) */
  requestTtlSeconds: 10 * 60,
  /** how long the NameID → session link is kept for IdP-initiated logout; match the session's absolute timeout */
  sessionLinkTtlSeconds: 8 * 60 * 60,
  /** an assertion older than this (from IssueInstant) is refused even if NotOnOrAfter says otherwise */
  maxAssertionAgeSeconds: 10 * 60,
  acsPath: '/saml/acs',
  metadataPath: '/saml/metadata',
  loginPath: '/saml/login',
  sloPath: '/saml/slo',
} as const;

const authLevel = z.enum(['auth.weak', 'auth.strong']);

/**
 * One identity provider. Either `metadataFile` (the IdP's metadata XML as the administrator
 * received it) or `entityId` + `ssoUrl` + a certificate. Explicit fields win over metadata.
 */
export const samlIdentityProviderSchema = z
  .strictObject({
    /** short name used in URLs and logs: lower-case letters, digits, dashes */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
    /** text of the login button; defaults to "Sign in with <name>" */
    label: z.string().min(1).optional(),
    /** IdP metadata XML (EntityDescriptor), relative to the config file; imported as is */
    metadataFile: z.string().min(1).optional(),
    /** the IdP's entity id: the Issuer its responses must carry */
    entityId: z.string().min(1).optional(),
    /** SingleSignOnService location (HTTP-Redirect binding) */
    ssoUrl: urlString.optional(),
    /** SingleLogoutService location (HTTP-Redirect binding); no single logout without it */
    sloUrl: urlString.optional(),
    /** signing certificates, PEM or bare base64 DER; several during an IdP key rollover */
    certificates: z.array(z.string().min(1)).default([]),
    /** the same as files (PEM), relative to the config file */
    certificateFiles: z.array(z.string().min(1)).default([]),
    /** attribute holding the login id; the NameID when absent */
    loginIdAttribute: z.string().min(1).optional(),
    /** identity attribute (firstName, email, ...) → SAML attribute name */
    attributes: z.record(z.string(), z.string().min(1)).default({}),
    /** attribute listing the user's groups; they become roles through `roleMapping` */
    groupsAttribute: z.string().min(1).optional(),
    roleMapping: roleMappingSchema.default({ map: {}, keepUnmapped: true, defaultRoles: [] }),
    /** AuthnContextClassRef → authentication level; unlisted contexts are `auth.weak` */
    authnContextLevels: z.record(z.string(), authLevel).default({}),
    /** AuthnContextClassRefs to ask for (comparison "minimum"); none asked when empty */
    requestedAuthnContext: z.array(z.string().min(1)).default([]),
    /** NameIDPolicy Format to ask for; none when absent */
    nameIdFormat: z.string().min(1).optional(),
    /** accept IdP-initiated (unsolicited) responses, without InResponseTo */
    allowUnsolicited: z.boolean().default(false),
    /** require the assertion itself to be signed (otherwise a signed response also suffices) */
    requireSignedAssertion: z.boolean().default(false),
    /** require the Response element to be signed */
    requireSignedResponse: z.boolean().default(false),
  })
  .superRefine((idp, ctx) => {
    if (idp.metadataFile) return;
    if (!idp.entityId) ctx.addIssue({ code: 'custom', path: ['entityId'], message: 'is required without metadataFile' });
    if (!idp.ssoUrl) ctx.addIssue({ code: 'custom', path: ['ssoUrl'], message: 'is required without metadataFile' });
    if (idp.certificates.length === 0 && idp.certificateFiles.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['certificates'], message: 'at least one IdP signing certificate is required without metadataFile' });
    }
  });
export type SamlIdentityProviderConfig = z.infer<typeof samlIdentityProviderSchema>;

/** The gateway's own signing key: AuthnRequests and LogoutRequests are signed when given. */
export const samlSigningSchema = z.strictObject({
  /** PEM private key (RSA), as a secret reference */
  privateKey: secretRef,
  /** PEM certificate published in the SP metadata, relative to the config file */
  certificateFile: z.string().min(1),
});

export const samlAuthenticatorSchema = z
  .strictObject({
    type: z.literal('saml'),
    name: z.string().min(1).default('saml'),
    /** the SP entity id; defaults to `<publicUrl>/saml/metadata` */
    entityId: z.string().min(1).optional(),
    identityProviders: z.array(samlIdentityProviderSchema).min(1, 'at least one identity provider is needed'),
    clockSkewSeconds: z.number().int().min(0).max(300).default(SAML_DEFAULTS.clockSkewSeconds),
    requestTtlSeconds: z.number().int().min(30).max(3600).default(SAML_DEFAULTS.requestTtlSeconds),
    maxAssertionAgeSeconds: z.number().int().min(30).max(86_400).default(SAML_DEFAULTS.maxAssertionAgeSeconds),
    sessionLinkTtlSeconds: z.number().int().positive().default(SAML_DEFAULTS.sessionLinkTtlSeconds),
    signing: samlSigningSchema.optional(),
    /**
     * Tie each AuthnRequest to the browser that started it with a cookie, so a response can
     * only finish the login in that browser (stops logging a victim in as the attacker).
     * `auto`: on when the public URL is https (the cookie is then SameSite=None; Secure, as
     * the IdP posts cross-site); `true` over http works only with a same-site IdP.
     */
    bindToBrowser: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  })
  .superRefine((saml, ctx) => {
    const seen = new Set<string>();
    saml.identityProviders.forEach((idp, i) => {
      if (seen.has(idp.name)) ctx.addIssue({ code: 'custom', path: ['identityProviders', i, 'name'], message: `duplicate identity provider name "${idp.name}"` });
      seen.add(idp.name);
    });
  });
export type SamlAuthenticatorConfig = z.infer<typeof samlAuthenticatorSchema>;
