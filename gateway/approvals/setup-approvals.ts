import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { PortcullisConfig } from '@portcullis/config/schema/index.js';
import type { GatewayContext } from '../context.js';
import type { DurableStore } from '../durable/store.js';
import { GatewayError } from '../errors.js';
import { loadOperatorFunction } from '../authenticators/load-export.js';
import { UpstreamClient } from '../proxy/upstream-client.js';
import type { Notifier } from '../notifications/events.js';
import { ApprovalService, type ApprovalRouteTarget, type ApproverModule } from './approval-service.js';
import { registerApprovalRoutes } from './approval-routes.js';
import { approvalSection } from './approval-section.js';
import { approvedBy } from './record.js';

/** Routes whose chain holds requests: an `approval` filter in their own or the global filters. */
export function approvalRoutesOf(config: PortcullisConfig): PortcullisConfig['routes'] {
  const global = config.globalFilters.some((f) => f.use === 'approval');
  return config.routes.filter((r) => global || r.filters.some((f) => f.use === 'approval'));
}

export interface ApprovalSetup {
  durable: DurableStore;
  notifier: Notifier;
  /** the upstream each route's requests go to (after demo-engine substitution) */
  upstreamOf(route: PortcullisConfig['routes'][number]): string;
  approversOf?(approvers: { roles: string[]; groups: string[]; users: string[] }): Promise<string[]>;
  now?: () => number;
}

/**
 * The approvals service of one gateway: loads the approver modules the rules name, a client
 * per route to send approved requests with, the status and decision endpoints, and the
 * account page section. Sweeps from the start, so a restart sends what was approved before.
 */
/**
 * What start refuses about approval rules beyond their options (check-config runs it too): a
 * rule on a route without an upstream, an approver module that cannot be loaded.
 */
export async function loadApprovalModules(config: PortcullisConfig, configDir: string): Promise<Map<string, ApproverModule>> {
  for (const route of approvalRoutesOf(config)) {
    if (route.upstream === undefined) {
      throw new GatewayError('GW_CONFIG_INVALID', 500, `routes[${route.name}]: an approval filter needs a route the gateway proxies (with an upstream): held requests are sent by the gateway itself`);
    }
  }
  const modules = new Map<string, ApproverModule>();
  const refs = [...config.globalFilters.map((f, i) => ({ f, path: `globalFilters[${i}]` })), ...config.routes.flatMap((r) => r.filters.map((f, i) => ({ f, path: `routes[${r.name}].filters[${i}]` })))];
  for (const { f, path } of refs) {
    const spec = f.use === 'approval' ? (f.options.approvers as { module?: string } | undefined)?.module : undefined;
    if (!spec || modules.has(spec)) continue;
    try {
      modules.set(spec, await loadOperatorFunction<ApproverModule>(spec, configDir, `${path}.options.approvers.module`));
    } catch (err) {
      throw new GatewayError('GW_CONFIG_INVALID', 500, (err as Error).message, { cause: err });
    }
  }
  return modules;
}

export async function setupApprovals(app: FastifyInstance, gw: GatewayContext, config: PortcullisConfig, setup: ApprovalSetup): Promise<ApprovalService & { shutdown(): Promise<void> }> {
  const routes = approvalRoutesOf(config);
  const modules = await loadApprovalModules(config, gw.configDir);
  const targets = new Map<string, ApprovalRouteTarget>();
  const clients: UpstreamClient[] = [];
  for (const route of routes) {
    const upstream = setup.upstreamOf(route);
    const client = new UpstreamClient({ route: route.name, upstream, config: route.upstreamClient, configDir: gw.configDir, log: gw.log });
    clients.push(client);
    targets.set(route.name, { client, basePath: new URL(upstream).pathname, audience: route.audience ?? route.name, tokenHeader: config.tokens.header.toLowerCase(), tokenScheme: config.tokens.scheme });
  }
  const service = new ApprovalService({
    durable: setup.durable,
    log: gw.log.child({ component: 'approvals' }),
    publicUrl: gw.publicUrl,
    targets,
    mint: async (record, audience) =>
      (await gw.minter.mint({ user: record.requester, audience, cacheKey: `approval\u0000${record.id}`, approval: { id: record.id, approvedBy: approvedBy(record) } })).token,
    notifier: setup.notifier,
    approversOf: setup.approversOf ?? (async (a) => a.users),
    modules,
    instanceId: randomUUID(),
    sweepSeconds: config.approvals.sweepSeconds,
    keepClosedSeconds: config.approvals.keepClosedSeconds,
    staleSendingSeconds: config.approvals.staleSendingSeconds,
    ...(setup.now ? { now: setup.now } : {}),
    onOutcome: (route, outcome) => gw.instruments.approvals.inc({ route, outcome }),
  });
  registerApprovalRoutes(app, gw, service);
  gw.accountSections.push(approvalSection(service));
  app.addHook('onReady', async () => service.start());
  // the gateway calls this before it closes the durable store
  const close = async () => {
    await service.close();
    for (const c of clients) await c.close();
  };
  return Object.assign(service, { shutdown: close });
}
