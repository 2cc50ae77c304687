import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
// The demo engine is what a real engine looks like: it imports engine-client and nothing else of ours.
import { engineClient, requireRoles, type Identity } from '@portcullis/engine-client';

export { isDemoEngineUpstream } from '@portcullis/config/demo.js';

export interface DemoEngineOptions {
  /** 0 picks a free loopback port */
  port: number;
  issuer: string;
  /** the `aud` values of the routes it serves (one per portal) */
  audiences: string[];
  /** portal (`app`, `admin`) → the audiences of the routes that lead to it; a portal accepts only those */
  portalAudiences?: Partial<Record<string, string[]>>;
  jwksUrl: string;
  logger: Logger;
}

export interface RunningDemoEngine {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Token roles → the demo application's own roles. */
const ROLE_MAP = { user: ['reader'], admin: ['reader', 'administrator'] };

export async function buildDemoEngine(options: Omit<DemoEngineOptions, 'port'>): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: options.logger as FastifyBaseLogger });
  await app.register(engineClient, {
    issuer: options.issuer,
    audience: options.audiences,
    jwksUrl: options.jwksUrl,
    algorithms: ['EdDSA', 'ES256', 'RS256'],
    identity: { userIdClaim: 'loginId', roleMap: ROLE_MAP, unmappedRoles: 'drop' },
  });

  for (const portal of ['app', 'admin'] as const) {
    // each portal is bound to its own audience: the app portal's token does not open the admin portal
    const audience = options.portalAudiences?.[portal];
    const guard = {
      ...(portal === 'admin' ? { preHandler: requireRoles('administrator') } : {}),
      ...(audience && audience.length > 0 ? { config: { engineClient: { audience } } } : {}),
    };
    app.get(`/${portal}/whoami`, guard, async (request) => whoami(request));
    app.get(`/${portal}/`, guard, async (request, reply) => reply.type('text/html; charset=utf-8').send(portalPage(portal, request.identity!)));
    app.get(`/${portal}/headers`, guard, async (request) => ({ headers: request.headers }));
    // a stand-in for a risky operation (config/examples/approvals.yaml holds it for approval): it
    // changes nothing, and answers who asked and who approved, as the token says
    app.post(`/${portal}/users/:name`, guard, async (request, reply) =>
      reply.code(201).send({ changed: (request.params as { name: string }).name, user: request.identity!.userId, approval: request.identity!.approval ?? null }),
    );
  }
  return app;
}

export async function startDemoEngine(options: DemoEngineOptions): Promise<RunningDemoEngine> {
  const app = await buildDemoEngine(options);
  await app.listen({ host: '127.0.0.1', port: options.port });
  const { port } = app.server.address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

function whoami(request: FastifyRequest) {
  const identity = request.identity!;
  return {
    user: identity.userId,
    roles: identity.roles,
    tokenRoles: identity.tokenRoles,
    groups: identity.groups,
    attributes: identity.attributes,
    level: identity.level,
    amr: identity.amr,
    ...(identity.approval ? { approval: identity.approval } : {}),
  };
}

function portalPage(portal: string, identity: Identity): string {
  const esc = (v: unknown) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const other = portal === 'app' ? 'admin' : 'app';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(portal)} · demo engine</title>
<style>body{font-family:system-ui,sans-serif;margin:3rem;color:#1d2330}code{background:#f0f1f4;padding:.1rem .3rem}</style></head>
<body><h1 id="portal">${portal === 'app' ? 'Application portal' : 'Administration portal'}</h1>
<p>Hello <strong id="user">${esc(identity.userId)}</strong>. The engine verified your token.</p>
<p>Application roles: <code id="roles">${esc(identity.roles.join(', '))}</code>; level <code>${esc(identity.level)}</code></p>
<p><a id="other" href="/${other}/">Go to /${other}/</a> · <a href="/${portal}/whoami">whoami</a> · <a id="logout" href="/logout">Log out</a></p>
</body></html>`;
}
