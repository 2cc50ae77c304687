import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeSchema, filterRefSchema } from '../../config/schema/routes.js';
import { filterRefsOf, loadFilterModules, resolveRouteChain } from '../../filters/configured-chain.js';
import { describeRouteChain } from '../../filters/explain-chain.js';
import { richConditionCheck } from '../../filters/conditions.js';
import type { BuiltinFilterDeps } from '../../filters/builtin/deps.js';
import type { RouteView } from '../../filters/types.js';

const deps: BuiltinFilterDeps = {
  tokenFor: () => 'unused-in-this-test',
  tokenHeader: 'authorization',
  tokenScheme: 'Bearer',
  identityHeaders: [],
  forwardedProto: () => 'http',
};

const routeOf = (r: Record<string, unknown>) => routeSchema.parse({ name: 'app', prefix: '/app/', upstream: 'http://127.0.0.1:1', ...r });
const viewOf = (r: ReturnType<typeof routeOf>): RouteView => ({ name: r.name, prefix: r.prefix, audience: r.name, requireSession: r.requireSession, policy: r.policy });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-filters-'));
  writeFileSync(
    join(dir, 'tag.mjs'),
    `export default (options) => ({ name: 'tag', phase: 'before', priority: 450, why: 'adds x-tag for the engine', run(ctx) { ctx.upstreamHeaders['x-tag'] = String(options.value); } });
export const broken = { name: 'broken', phase: 'sideways', run() {} };
export const plain = { name: 'plain', phase: 'access', run() {} };\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chains from configuration', () => {
  it('defaults, then global filters, then the route’s, in execution order with why each is there', async () => {
    const route = routeOf({
      policy: { requireLevel: 'auth.strong' },
      filters: [
        { use: `module:./tag.mjs`, options: { value: 7 }, when: { methods: ['POST'] } },
        { use: 'route-policy', priority: 150 },
      ],
    });
    const globals = [filterRefSchema.parse({ use: 'module:./tag.mjs#plain', name: 'plain-global' })];
    const modules = await loadFilterModules(filterRefsOf({ globalFilters: globals, routes: [route] }), dir);
    const resolved = resolveRouteChain(route, viewOf(route), globals, deps, modules);
    const names = resolved.entries.map((e) => e.filter.name);
    expect(names).toEqual(resolved.chain.ordered.map((f) => f.name));
    expect(resolved.entries.find((e) => e.filter.name === 'route-policy')).toMatchObject({ origin: 'route', replaces: 'default', filter: { priority: 150 } });
    expect(resolved.entries.find((e) => e.filter.name === 'tag')).toMatchObject({ origin: 'route', path: 'routes[app].filters[0]', filter: { phase: 'before', priority: 450 } });
    expect(resolved.entries.find((e) => e.filter.name === 'plain-global')).toMatchObject({ origin: 'global', filter: { priority: 500 } });

    const text = describeRouteChain(route, resolved).join('\n');
    expect(text).toContain('route app  /app/ → http://127.0.0.1:1');
    expect(text).toContain('needs auth.strong (403 otherwise)');
    expect(text).toMatch(/route-policy\s+routes\[app\]\.filters\[1\] \(built-in route-policy, replaces the default one\)/);
    expect(text).toContain('runs only when method is POST');
    expect(text).toMatch(/require-session\s+default \(built-in require-session\)/);
  });

  it('a module filter runs only when its start conditions hold', async () => {
    const route = routeOf({ filters: [{ use: 'module:./tag.mjs', options: { value: 'x' }, when: { methods: ['POST'] } }] });
    const modules = await loadFilterModules(filterRefsOf({ globalFilters: [], routes: [route] }), dir);
    const tag = resolveRouteChain(route, viewOf(route), [], deps, modules).entries.find((e) => e.filter.name === 'tag')!.filter;
    const ctx = (method: string) => ({ request: { method, url: '/app/x', headers: {} }, upstreamHeaders: {} as Record<string, string>, subject: undefined, clientAddress: '127.0.0.1' }) as never;
    const post = ctx('POST');
    expect(richConditionCheck(tag.conditions!, post)).toBe(true);
    expect(richConditionCheck(tag.conditions!, ctx('GET'))).toBe(false);
  });

  it('refuses an unknown built-in, a missing module or export, a malformed filter and a bad condition, naming the path', async () => {
    // the schema refuses an unknown built-in and a bad condition first; a chain built from an unchecked object still does
    expect(() => routeOf({ filters: [{ use: 'teleport' }] })).toThrow(/no filter named 'teleport'/);
    const unknown = { ...routeOf({}), filters: [{ use: 'teleport', options: {} }] };
    expect(() => resolveRouteChain(unknown, viewOf(unknown), [], deps)).toThrow(expect.objectContaining({ code: 'FILTER_UNKNOWN', path: 'routes[app].filters[0].use' }));

    const missing = routeOf({ filters: [{ use: 'module:./nope.mjs' }] });
    await expect(loadFilterModules(filterRefsOf({ globalFilters: [], routes: [missing] }), dir)).rejects.toMatchObject({ code: 'FILTER_MODULE_INVALID', path: 'routes[app].filters[0].use' });
    const noExport = routeOf({ filters: [{ use: 'module:./tag.mjs#nothing' }] });
    await expect(loadFilterModules(filterRefsOf({ globalFilters: [], routes: [noExport] }), dir)).rejects.toMatchObject({ code: 'FILTER_MODULE_INVALID' });

    const broken = routeOf({ filters: [{ use: 'module:./tag.mjs#broken' }] });
    const modules = await loadFilterModules(filterRefsOf({ globalFilters: [], routes: [broken] }), dir);
    expect(() => resolveRouteChain(broken, viewOf(broken), [], deps, modules)).toThrow(expect.objectContaining({ code: 'FILTER_MODULE_INVALID', path: 'routes[app].filters[0]' }));

    expect(() => routeOf({ filters: [{ use: 'route-policy', name: 'again', when: { expression: 'method ==' } }] })).toThrow(/when.*expression|expression/);
    const badWhen = { ...routeOf({}), filters: [{ use: 'route-policy', name: 'again', options: {}, when: { expression: 'method ==' } }] };
    expect(() => resolveRouteChain(badWhen, viewOf(badWhen), [], deps)).toThrow(expect.objectContaining({ code: 'FILTER_CONDITION_INVALID', path: 'routes[app].filters[0].when.expression' }));

    const twice = routeOf({ filters: [{ use: 'module:./tag.mjs#plain' }, { use: 'module:./tag.mjs#plain' }] });
    const m2 = await loadFilterModules(filterRefsOf({ globalFilters: [], routes: [twice] }), dir);
    expect(() => resolveRouteChain(twice, viewOf(twice), [], deps, m2)).toThrow(expect.objectContaining({ code: 'FILTER_CONFIG_INVALID', path: 'routes[app].filters[1].name' }));
  });
});
