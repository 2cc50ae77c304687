import type { AuthenticatorConfig } from '@portcullis/config/schema/authenticators.js';
import type { Authenticator, AuthenticatorContext } from './types.js';
import { GatewayError } from '../errors.js';
import { createFileAuthenticator } from './file/file-authenticator.js';
import { createSamlAuthenticator } from './saml/index.js';
import { createOidcAuthenticator } from './oidc/index.js';
import { createLdapAuthenticator } from './ldap/index.js';
import { createHeaderAuthenticator } from './header/header-authenticator.js';
import { createBasicAuthenticator } from './basic/basic-authenticator.js';
import { createMtlsAuthenticator } from './mtls/mtls-authenticator.js';
import { createModuleAuthenticator } from './module/module-authenticator.js';
import { createPamAuthenticator } from './pam/pam-authenticator.js';
import { createUserMapper, withUserMapping } from './user-mapping/with-user-mapping.js';
import type { UserMappingConfig } from '@portcullis/config/schema/user-mapping.js';

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
  module: createModuleAuthenticator as Factory,
  pam: createPamAuthenticator as Factory,
};

export class AuthenticatorSetupError extends GatewayError {
  declare readonly code: 'GW_AUTHENTICATOR_INVALID';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('GW_AUTHENTICATOR_INVALID', 500, message, options);
    this.name = 'AuthenticatorSetupError';
  }
}

/**
 * Build every configured authenticator in order; names must be unique. With a `userMapping`,
 * each one's users pass through it before a session is made (basic reuses another
 * authenticator's users unmapped and maps them once itself).
 */
export async function createAuthenticators(
  configs: readonly AuthenticatorConfig[],
  ctx: Omit<AuthenticatorContext, 'byName'>,
  userMapping?: UserMappingConfig,
): Promise<Authenticator[]> {
  const built: Authenticator[] = [];
  const raw: Authenticator[] = [];
  const mapper = userMapping ? await createUserMapper(userMapping, ctx.configDir) : undefined;
  const addressOf = ctx.clientAddress ?? ((request) => request.socket.remoteAddress ?? 'unknown');
  const byName = (name: string) => raw.find((a) => a.name === name);
  for (const [index, config] of configs.entries()) {
    if (byName(config.name)) throw new AuthenticatorSetupError(`authenticators[${index}].name: '${config.name}' is used twice`);
    const factory = AUTHENTICATOR_FACTORIES[config.type];
    if (!factory) throw new AuthenticatorSetupError(`authenticators[${index}].type: '${config.type}' is not available in this gateway`);
    const authenticator = await factory(config as never, { ...ctx, byName });
    raw.push(authenticator);
    built.push(mapper ? withUserMapping(authenticator, mapper, addressOf) : authenticator);
  }
  return built;
}
