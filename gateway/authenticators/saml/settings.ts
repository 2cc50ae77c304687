import { readFile } from 'node:fs/promises';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { SamlAuthenticatorConfig, SamlIdentityProviderConfig } from '@portcullis/config/schema/saml.js';
import { SAML_DEFAULTS } from '@portcullis/config/schema/saml.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import { SamlConfigError } from './errors.js';
import { parseIdpMetadata } from './idp-metadata.js';

/** One identity provider with every file read and every gap filled from its metadata. */
export interface ResolvedIdp {
  name: string;
  label: string;
  entityId: string;
  ssoUrl: string;
  sloUrl?: string;
  /** PEM certificates trusted for this IdP's signatures */
  certificates: string[];
  config: SamlIdentityProviderConfig;
}

/** The service provider as the routes need it: absolute URLs, keys loaded, IdPs resolved. */
export interface ResolvedSaml {
  name: string;
  spEntityId: string;
  acsUrl: string;
  sloUrl: string;
  metadataUrl: string;
  signing?: { privateKey: string; certificate: string };
  idps: ResolvedIdp[];
  config: SamlAuthenticatorConfig;
}

export interface SettingsContext {
  configDir: string;
  publicUrl: string;
}

/** Read the SAML options into usable settings. Every failure names its option path. */
export async function resolveSamlSettings(config: SamlAuthenticatorConfig, ctx: SettingsContext, at = 'authenticators.saml'): Promise<ResolvedSaml> {
  const base = ctx.publicUrl.replace(/\/+$/, '');
  const idps: ResolvedIdp[] = [];
  for (const [i, idp] of config.identityProviders.entries()) {
    idps.push(await resolveIdp(idp, ctx, `${at}.identityProviders[${i}]`));
  }
  const entityIds = new Set<string>();
  idps.forEach((idp, i) => {
    if (entityIds.has(idp.entityId)) throw new SamlConfigError(`${at}.identityProviders[${i}].entityId`, `two identity providers share the entity id ${idp.entityId}`);
    entityIds.add(idp.entityId);
  });
  return {
    name: config.name,
    spEntityId: config.entityId ?? `${base}${SAML_DEFAULTS.metadataPath}`,
    acsUrl: `${base}${SAML_DEFAULTS.acsPath}`,
    sloUrl: `${base}${SAML_DEFAULTS.sloPath}`,
    metadataUrl: `${base}${SAML_DEFAULTS.metadataPath}`,
    signing: config.signing ? await loadSigning(config.signing, ctx, `${at}.signing`) : undefined,
    idps,
    config,
  };
}

async function resolveIdp(idp: SamlIdentityProviderConfig, ctx: SettingsContext, at: string): Promise<ResolvedIdp> {
  let fromMetadata: ReturnType<typeof parseIdpMetadata> | undefined;
  if (idp.metadataFile) {
    const xml = await readConfigFile(idp.metadataFile, ctx, `${at}.metadataFile`);
    try {
      fromMetadata = parseIdpMetadata(xml, idp.entityId);
    } catch (err) {
      throw new SamlConfigError(`${at}.metadataFile`, `unusable IdP metadata: ${(err as Error).message}`, err);
    }
  }
  const certificates: string[] = [];
  idp.certificates.forEach((c, i) => certificates.push(toPemCertificate(c, `${at}.certificates[${i}]`)));
  for (const [i, file] of idp.certificateFiles.entries()) {
    certificates.push(toPemCertificate(await readConfigFile(file, ctx, `${at}.certificateFiles[${i}]`), `${at}.certificateFiles[${i}]`));
  }
  // Explicit certificates replace the metadata's: an operator pinning keys means it.
  if (certificates.length === 0 && fromMetadata) {
    fromMetadata.certificates.forEach((c) => certificates.push(toPemCertificate(c, `${at}.metadataFile`)));
  }
  const entityId = idp.entityId ?? fromMetadata?.entityId;
  const ssoUrl = idp.ssoUrl ?? fromMetadata?.ssoUrl;
  if (!entityId) throw new SamlConfigError(`${at}.entityId`, 'is required');
  if (!ssoUrl) throw new SamlConfigError(`${at}.ssoUrl`, 'is required (the metadata has no HTTP-Redirect SingleSignOnService)');
  if (certificates.length === 0) throw new SamlConfigError(`${at}.certificates`, 'at least one IdP signing certificate is required');
  return {
    name: idp.name,
    label: idp.label ?? `Sign in with ${idp.name}`,
    entityId,
    ssoUrl,
    sloUrl: idp.sloUrl ?? fromMetadata?.sloUrl,
    certificates,
    config: idp,
  };
}

/** Accept PEM or bare base64 DER; refuse anything that is not an X.509 certificate. */
export function toPemCertificate(value: string, at: string): string {
  const body = value.includes('-----BEGIN CERTIFICATE-----')
    ? value.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '')
    : value.replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
  try {
    new X509Certificate(pem);
  } catch (err) {
    throw new SamlConfigError(at, 'is not an X.509 certificate (PEM or base64 DER)', err);
  }
  return pem;
}

async function loadSigning(signing: NonNullable<SamlAuthenticatorConfig['signing']>, ctx: SettingsContext, at: string) {
  let privateKey: string;
  try {
    privateKey = await resolveSecret(signing.privateKey, { configDir: ctx.configDir });
  } catch (err) {
    throw new SamlConfigError(`${at}.privateKey`, (err as Error).message, err);
  }
  try {
    const key = createPrivateKey(privateKey);
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`an RSA key is needed, got ${key.asymmetricKeyType}`);
  } catch (err) {
    // the message of a parse error never contains the key itself
    throw new SamlConfigError(`${at}.privateKey`, `not a usable PEM private key: ${(err as Error).message}`, err);
  }
  const certificate = toPemCertificate(await readConfigFile(signing.certificateFile, ctx, `${at}.certificateFile`), `${at}.certificateFile`);
  return { privateKey, certificate };
}

async function readConfigFile(file: string, ctx: SettingsContext, at: string): Promise<string> {
  const path = isAbsolute(file) ? file : resolve(ctx.configDir, file);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SamlConfigError(at, `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`, err);
  }
}
