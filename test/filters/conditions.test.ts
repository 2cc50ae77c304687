import { describe, expect, it } from 'vitest';
import { compileConditions, normalizePath, type ConditionInput } from '../../filters/conditions.js';
import fc from 'fast-check';
import { compileExpression, ExpressionError } from '../../filters/expression.js';

const req = (over: Partial<ConditionInput> = {}): ConditionInput => ({ method: 'GET', url: '/', headers: {}, ...over });
const alice = { loginId: 'alice', groups: ['staff'], roles: ['user'], level: 'auth.weak' };

describe('start conditions', () => {
  it('no condition: the filter runs for every request', () => {
    expect(compileConditions({})(req())).toBe(true);
  });

  it('methods, any case', () => {
    const m = compileConditions({ methods: ['post', 'PUT'] });
    expect(m(req({ method: 'POST' }))).toBe(true);
    expect(m(req({ method: 'put' }))).toBe(true);
    expect(m(req({ method: 'GET' }))).toBe(false);
  });

  it('path prefixes and patterns, on the normalised path without the query', () => {
    const prefix = compileConditions({ pathPrefixes: ['/admin/'] });
    expect(prefix(req({ url: '/admin/users?x=1' }))).toBe(true);
    expect(prefix(req({ url: '/%61dmin/users' }))).toBe(true); // escape does not dodge the condition
    expect(prefix(req({ url: '/public/../admin/users' }))).toBe(true);
    expect(prefix(req({ url: '//admin//users' }))).toBe(true);
    expect(prefix(req({ url: '/administrator' }))).toBe(false);
    const glob = compileConditions({ paths: ['/api/*/items', '/files/**'] });
    expect(glob(req({ url: '/api/v1/items' }))).toBe(true);
    expect(glob(req({ url: '/api/v1/x/items' }))).toBe(false);
    expect(glob(req({ url: '/files/a/b/c.txt' }))).toBe(true);
    expect(glob(req({ url: '/api/v1/items.json' }))).toBe(false);
    expect(normalizePath('/a/./b/../c/')).toBe('/a/c/');
  });

  it('content types with wildcards, parameters ignored', () => {
    const m = compileConditions({ contentTypes: ['application/json', 'text/*'] });
    expect(m(req({ headers: { 'content-type': 'application/json; charset=utf-8' } }))).toBe(true);
    expect(m(req({ headers: { 'content-type': 'TEXT/plain' } }))).toBe(true);
    expect(m(req({ headers: { 'content-type': 'application/xml' } }))).toBe(false);
    expect(m(req())).toBe(false);
  });

  it('initiator: users, groups or roles; nobody when there is no subject', () => {
    const m = compileConditions({ initiator: { groups: ['staff'], users: ['bob'] } });
    expect(m(req({ subject: alice }))).toBe(true);
    expect(m(req({ subject: { loginId: 'bob', groups: [], roles: [] } }))).toBe(true);
    expect(m(req({ subject: { loginId: 'eve', groups: ['guests'], roles: ['staff'] } }))).toBe(false);
    expect(m(req())).toBe(false);
    expect(compileConditions({ initiator: { roles: ['user'] } })(req({ subject: alice }))).toBe(true);
  });

  it('header and query conditions: equals, present, oneOf, prefix', () => {
    const m = compileConditions({ headers: { 'X-Tenant': 'acme', 'x-debug': { present: false } }, query: { format: { oneOf: ['csv', 'pdf'] }, id: { prefix: 'inv-' } } });
    const ok = req({ url: '/r?format=csv&id=inv-7', headers: { 'x-tenant': 'acme' } });
    expect(m(ok)).toBe(true);
    expect(m({ ...ok, headers: { 'x-tenant': 'acme', 'x-debug': '1' } })).toBe(false);
    expect(m({ ...ok, url: '/r?format=xml&id=inv-7' })).toBe(false);
    expect(m({ ...ok, url: '/r?format=csv&id=7' })).toBe(false);
    expect(m({ ...ok, headers: {} })).toBe(false);
  });

  it('all named conditions must hold', () => {
    const m = compileConditions({ methods: ['POST'], pathPrefixes: ['/api/'], initiator: { groups: ['staff'] } });
    expect(m(req({ method: 'POST', url: '/api/x', subject: alice }))).toBe(true);
    expect(m(req({ method: 'GET', url: '/api/x', subject: alice }))).toBe(false);
    expect(m(req({ method: 'POST', url: '/x', subject: alice }))).toBe(false);
  });

  it('an expression over the request and the caller', () => {
    const m = compileConditions({ expression: "method == 'POST' && ('admin' in roles || header['x-tenant'] == 'acme') && !(path startsWith '/public/')" });
    expect(m(req({ method: 'POST', url: '/api', headers: { 'x-tenant': 'acme' } }))).toBe(true);
    expect(m(req({ method: 'POST', url: '/api', subject: { ...alice, roles: ['admin'] } }))).toBe(true);
    expect(m(req({ method: 'POST', url: '/public/x', headers: { 'x-tenant': 'acme' } }))).toBe(false);
    expect(m(req({ method: 'POST', url: '/api' }))).toBe(false);
    expect(compileConditions({ expression: "query.page >= 1 || query['mode'] == 'x' || level == 'auth.strong'" })(req({ url: '/?mode=x' }))).toBe(true);
  });

  it('bad conditions fail at compile time with a coded error naming the path', () => {
    const cases: [unknown, string][] = [
      [{ colour: 'red' }, 'f.conditions.colour'],
      [{ methods: 'GET' }, 'f.conditions.methods'],
      [{ pathPrefixes: ['api/'] }, 'f.conditions.pathPrefixes[0]'],
      [{ paths: ['api/**'] }, 'f.conditions.paths[0]'],
      [{ contentTypes: ['json'] }, 'f.conditions.contentTypes[0]'],
      [{ initiator: {} }, 'f.conditions.initiator'],
      [{ headers: { a: { equal: 'x' } } }, 'f.conditions.headers.a.equal'],
      [{ expression: "method == 'POST' &&" }, 'f.conditions.expression'],
    ];
    for (const [cfg, path] of cases) {
      expect(() => compileConditions(cfg as never, 'f.conditions')).toThrow(expect.objectContaining({ code: 'FILTER_CONDITION_INVALID', path }));
    }
  });
});

describe('the expression language', () => {
  const ev = (src: string, scope: Record<string, unknown> = {}) => compileExpression(src)(scope as never);

  it('compares, combines and looks up', () => {
    expect(ev("a == 'x'", { a: 'x' })).toBe(true);
    expect(ev('n > 2 && n <= 3', { n: 3 })).toBe(true);
    expect(ev("'b' in ['a', 'b']")).toBe(true);
    expect(ev("list contains 'q'", { list: ['q'] })).toBe(true);
    expect(ev("s endsWith '.pdf'", { s: 'x.pdf' })).toBe(true);
    expect(ev('missing == null')).toBe(true);
    expect(ev('o.p.q', { o: { p: { q: true } } })).toBe(true);
    expect(ev("!(x != 'y')", { x: 'y' })).toBe(true);
    expect(ev("'1' == 1")).toBe(false); // no coercion
    expect(ev("n < '5'", { n: 1 })).toBe(false);
  });

  it('cannot reach prototypes, functions or globals', () => {
    for (const src of ['constructor', "x['__proto__']", 'x.constructor', 'a.prototype']) {
      expect(() => compileExpression(src)).toThrow(expect.objectContaining({ code: 'FILTER_EXPRESSION_INVALID' }));
    }
    expect(ev('toString')).toBe(false); // not an own property of the scope
    expect(ev('x.toString', { x: {} })).toBe(false);
    expect(ev('process || globalThis || require')).toBe(false);
    expect(() => compileExpression("process.exit(1)")).toThrow(expect.objectContaining({ code: 'FILTER_EXPRESSION_INVALID' }));
    expect(() => compileExpression('a = 1')).toThrow(expect.objectContaining({ code: 'FILTER_EXPRESSION_INVALID' }));
  });

  it('refuses syntax errors, runaway nesting and huge input', () => {
    for (const src of ['', "'open", 'a ==', '(a', 'a b', 'in x', '[1,', "x['a'"]) {
      expect(() => compileExpression(src)).toThrow(expect.objectContaining({ code: 'FILTER_EXPRESSION_INVALID' }));
    }
    expect(() => compileExpression('('.repeat(100) + 'a' + ')'.repeat(100))).toThrow(/nests too deeply/);
    expect(() => compileExpression("'" + 'a'.repeat(3000) + "'")).toThrow(/longer than/);
  });

  it('any input either fails to compile with a coded error or evaluates to a boolean without throwing', () => {
    const token = fc.constantFrom('a', 'b.c', "h['x']", "'s'", '1', 'true', 'null', '==', '!=', '<', '&&', '||', '!', '(', ')', '[', ']', ',', 'in', 'contains', 'startsWith', '__proto__', 'constructor');
    const scope = { a: 'x', b: { c: ['x', 1] }, h: { x: 'y' } };
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.array(token, { maxLength: 12 }).map((t) => t.join(' '))), (src) => {
        let fn;
        try {
          fn = compileExpression(src);
        } catch (err) {
          expect(err).toBeInstanceOf(ExpressionError);
          return;
        }
        expect(typeof fn(scope as never)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

describe('paths as conditions see them', () => {
  it('ignore case and matrix parameters, and /x/** covers /x itself', () => {
    const matches = compileConditions({ paths: ['/cond/secret/**'] });
    const prefixed = compileConditions({ pathPrefixes: ['/Admin/'] });
    const at = (url: string) => ({ method: 'GET', url, headers: {} });
    for (const url of ['/cond/secret', '/cond/secret/x', '/COND/Secret/x', '/cond/secret;jsessionid=1/x', '/cond/secret;x']) expect(matches(at(url)), url).toBe(true);
    expect(matches(at('/cond/secretary'))).toBe(false);
    expect(prefixed(at('/admin/x'))).toBe(true);
    expect(prefixed(at('/ADMIN;a=b/x'))).toBe(true);
  });
});
