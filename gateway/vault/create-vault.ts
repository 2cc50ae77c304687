import type { PortalDirectory } from '../http/portal-access.js';
import { audienceMembership } from './audience-members.js';
import type { FastifyInstance } from 'fastify';
import type { JWK } from 'jose';
import type { GatewayContext } from '../context.js';
import type { DurableStore } from '../durable/store.js';
import { errors, GatewayError } from '../errors.js';
import type { FilterContext } from '@portcullis/filters/types.js';
import { credentialsAccountSection } from './account-section.js';
import { loadMasterKeys } from './master-keys.js';
import { Vault } from './vault.js';
import { vaultCallerResolver } from './vault-caller.js';
import { registerVaultRoutes } from './vault-routes.js';

/** The vault when master keys (or the demo key) are configured; a route that needs it without one is a start-up error. */
export async function createVault(gw: Pick<GatewayContext, 'config' | 'configDir' | 'dataDir' | 'log'>, durable: DurableStore, env: NodeJS.ProcessEnv): Promise<Vault | undefined> {
  const keys = await loadMasterKeys(gw.config.vault, durable, { configDir: gw.configDir, dataDir: gw.dataDir, env });
  if (!keys) {
    const needing = [...gw.config.globalFilters, ...gw.config.routes.flatMap((r) => r.filters)].some((f) => f.use === 'credentials');
    if (needing) throw errors.config("a route uses the 'credentials' filter, but the vault has no master key (vault.masterKeys, or vault.demoKey for the demo)");
    return undefined;
  }
  return new Vault(durable, keys, gw.config.vault.limits, gw.log, { readCacheMs: gw.config.vault.readCacheMs });
}

/** REST API and the account section, once the app exists. */
export function wireVault(app: FastifyInstance, gw: GatewayContext, vault: Vault | undefined, jwks: () => { keys: JWK[] }, issuer: string, portals: () => PortalDirectory | undefined): void {
  if (!vault) {
    app.all('/api/vault/*', async () => {
      throw new GatewayError('GW_VAULT_OFF', 404, 'the credentials vault is not configured on this gateway (vault.masterKeys)');
    });
    return;
  }
  const audiences = [...new Set(gw.config.routes.map((r) => r.audience ?? r.name))];
  registerVaultRoutes(app, { vault, settings: gw.config.vault, caller: vaultCallerResolver(gw, { issuer, audiences, jwks }), isUserOf: audienceMembership(gw, portals) });
}

/** What the `credentials` filter reads through: the caller's own values, audited with the route's engine. */
export function filterCredentials(vault: Vault | undefined) {
  if (!vault) return undefined;
  return (ctx: FilterContext, keys: readonly string[]) =>
    vault.read(ctx.subject!.loginId, keys, { actor: ctx.subject!.loginId, via: 'filter', engine: ctx.route.audience, requestId: ctx.request.id });
}

export { credentialsAccountSection };
