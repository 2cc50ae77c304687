/**
 * The start banner: where the gateway listens, its routes, where keys and data are kept,
 * and — for the demo configuration only — the demo users and their (public) passwords.
 * Reads the running gateway structurally so it does not depend on the server's internals.
 */
import type { PortcullisConfig } from '@portcullis/config/schema/index.js';
import { isDemoEngineUpstream } from '@portcullis/config/demo.js';
import { describeRoutePolicy } from '@portcullis/filters/explain-chain.js';

export interface BannerGateway {
  url: string;
  context?: {
    publicUrl?: string;
    dataDir?: string;
    keys?: { source?: string; current?: { kid?: string; alg?: string } };
  };
  demoEngine?: { url?: string };
}

/** The demo users as documented in config/examples/demo-users.yaml (the file holds only hashes). */
export const DEMO_USER_LINES = ['alice / wonderland   roles: user', 'bob   / builder      roles: user, admin'];

export function formatBanner(gateway: BannerGateway, config: PortcullisConfig, info: { file: string; isDemo: boolean }): string {
  const base = gateway.context?.publicUrl ?? gateway.url;
  const lines = ['', `Portcullis gateway listening on ${gateway.url}`, `  configuration  ${info.file}${info.isDemo ? ' (embedded demo)' : ''}`];
  for (const route of config.routes) {
    const target = isDemoEngineUpstream(route.upstream) ? `demo engine${gateway.demoEngine?.url ? ` (${gateway.demoEngine.url})` : ''}` : (route.upstream ?? `forward authentication only${route.host ? ` (host ${route.host})` : ''}`);
    // the whole requirement (roles, groups, users, denials, level), as `portcullis routes` prints it
    const who = route.requireSession ? describeRoutePolicy(route) : 'public';
    lines.push(`  route ${route.name.padEnd(8)} ${base}${route.prefix} → ${target} [${who}]`);
  }
  lines.push(`  login          ${base}/login`);
  if (gateway.context?.dataDir) lines.push(`  data folder    ${gateway.context.dataDir}`);
  const keys = gateway.context?.keys;
  if (keys?.current) lines.push(`  signing key    ${keys.current.alg ?? ''} kid ${keys.current.kid ?? '?'}${keys.source ? ` (${keys.source})` : ''}`);
  lines.push(`  public keys    ${base}/.well-known/jwks.json`);
  if (info.isDemo) {
    lines.push('  demo users     (demo only: these passwords are public)');
    for (const user of DEMO_USER_LINES) lines.push(`                 ${user}`);
  }
  lines.push('Stop with Ctrl-C.', '');
  return lines.join('\n');
}
