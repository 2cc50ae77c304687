import type { AuthenticatorConfig } from '@portcullis/config/schema/authenticators.js';
import type { Authenticator, AuthenticatorContext } from './types.js';
import { createFileAuthenticator } from './file/file-authenticator.js';
import { createSamlAuthenticator } from './saml/index.js';
import { createOidcAuthenticator } from './oidc/index.js';
import { createLdapAuthenticator } from './ldap/index.js';
import { createHeaderAuthenticator } from './header/header-authenticator.js';
import { createBasicAuthenticator } from './basic/basic-authenticator.js';
import { createMtlsAuthenticator } from './mtls/mtls-authenticator.js';

type Factory = (config: never, ctx: AuthenticatorContext) => Authenticator | Promise<Authenticator>;

/**
 * Configuration `type` → factory. Each authenticator lives in its own folder; adding one is
 * one line here and one schema file in config/schema/.
 */
export const AUTHENTICATOR_FACTORIES: Partial<Record<AuthenticatorConfig['type'], Factory>> = {
  file: createFileAuthenticator as Factory,
  saml: createSamlAuthenticator as Factory,
  oidc: createOidcAuthenticator as Factory,
  header: createHeaderAuthenticator as Factory,
  basic: createBasicAuthenticator as Factory,
  mtls: createMtlsAuthenticator as Factory,
  ldap: createLdapAuthenticator as Factory,
};

export class AuthenticatorSetupError extends Error {
  readonly code = 'GW_AUTHENTICATOR_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthenticatorSetupError';
  }
}

/** Build every configured authenticator in order; names must be unique. */
export async function createAuthenticators(configs: readonly AuthenticatorConfig[], ctx: Omit<AuthenticatorContext, 'byName'>): Promise<Authenticator[]> {
  const built: Authenticator[] = [];
  const byName = (name: string) => built.find((a) => a.name === name);
  for (const [index, config] of configs.entries()) {
    if (byName(config.name)) throw new AuthenticatorSetupError(`authenticators[${index}].name: '${config.name}' is used twice`);
    const factory = AUTHENTICATOR_FACTORIES[config.type];
    if (!factory) throw new AuthenticatorSetupError(`authenticators[${index}].type: '${config.type}' is not available in this gateway`);
    built.push(await factory(config as never, { ...ctx, byName }));
  }
  return built;
}
