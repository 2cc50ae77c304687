import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { LdapAuthenticatorConfig } from '@portcullis/config/schema/ldap.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import type { LdapTlsMaterial } from '@portcullis/engine-client/ldap';
import { LdapAuthenticatorError } from './errors.js';

/** What the authenticator needs at run time: the configuration with files and secrets read. */
export interface LdapRuntimeSettings {
  bindPassword?: string;
  tls: LdapTlsMaterial;
}

/**
 * Read the CA, client certificate and key files and resolve the secrets once, at start-up,
 * so a missing file fails the start with the option's path rather than the first login.
 */
export async function loadLdapSettings(
  config: LdapAuthenticatorConfig,
  configDir: string,
): Promise<LdapRuntimeSettings> {
  // the factory does not know its index in the list; the name identifies it as well
  const at = (path: string) => `authenticators[name=${config.name}].${path}`;
  const file = async (path: string, option: string) => {
    try {
      return await readFile(isAbsolute(path) ? path : resolve(configDir, path));
    } catch (err) {
      throw new LdapAuthenticatorError('GW_LDAP_CONFIG_INVALID', `${at(option)}: cannot read ${path} (${(err as { code?: string }).code ?? 'error'})`, err);
    }
  };
  const secret = async (ref: string, option: string) => {
    try {
      return await resolveSecret(ref, { configDir });
    } catch (err) {
      throw new LdapAuthenticatorError('GW_LDAP_CONFIG_INVALID', `${at(option)}: ${(err as Error).message}`, err);
    }
  };
  const t = config.tls;
  return {
    bindPassword: config.bindPassword ? await secret(config.bindPassword, 'bindPassword') : undefined,
    tls: {
      ca: t.caFile ? await file(t.caFile, 'tls.caFile') : undefined,
      cert: t.certFile ? await file(t.certFile, 'tls.certFile') : undefined,
      key: t.keyFile ? await file(t.keyFile, 'tls.keyFile') : undefined,
      passphrase: t.keyPassphrase ? await secret(t.keyPassphrase, 'tls.keyPassphrase') : undefined,
      checkServerName: t.checkServerName,
      serverName: t.serverName,
      startTls: t.startTls,
      minVersion: t.minVersion,
    },
  };
}
