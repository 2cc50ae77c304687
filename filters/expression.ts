import { FilterError } from './errors.js';
/**
 * A tiny, safe expression language for filter start conditions. Parsed once at start-up into a
 * tree and evaluated against plain data; no eval, no `new Function`, no access to prototypes.
 *
 *   expr     := or
 *   or       := and ( '||' and )*
 *   and      := unary ( '&&' unary )*
 *   unary    := '!' unary | compare
 *   compare  := value ( op value )?
 *   op       := == != < <= > >= in contains startsWith endsWith
 *   value    := 'text' | "text" | number | true | false | null | [ value, ... ] | path | ( expr )
 *   path     := name ( .name | ['text'] )*
 *
 * Examples: `method == 'POST' && header['x-tenant'] == 'acme'`,
 * `'admin' in roles || user startsWith 'svc-'`, `!(path startsWith '/public/')`.
 */

export class ExpressionError extends FilterError {
  readonly position: number;
  constructor(message: string, position: number) {
    super('FILTER_EXPRESSION_INVALID', `${message} at position ${position}`);
    this.position = position;
  }
}

type Value = string | number | boolean | null | undefined | readonly Value[] | { readonly [k: string]: Value };

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'list'; items: Node[] }
  | { t: 'path'; parts: string[] }
  | { t: 'not'; e: Node }
  | { t: 'and' | 'or'; l: Node; r: Node }
  | { t: 'cmp'; op: CompareOp; l: Node; r: Node };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'contains' | 'startsWith' | 'endsWith';

const MAX_LENGTH = 2000;
const MAX_DEPTH = 40;
const FORBIDDEN_NAMES = new Set(['__proto__', 'prototype', 'constructor']);
const WORD_OPS = new Set(['in', 'contains', 'startsWith', 'endsWith']);

interface Token {
  k: 'str' | 'num' | 'name' | 'op' | 'end';
  v: string;
  at: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const at = i;
    if (c === "'" || c === '"') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) i++;
        s += src[i];
        i++;
      }
      if (i >= src.length) throw new ExpressionError('unterminated string', at);
      i++;
      out.push({ k: 'str', v: s, at });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      out.push({ k: 'num', v: m[0], at });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(src.slice(i))!;
      out.push({ k: 'name', v: m[0], at });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      out.push({ k: 'op', v: two, at });
      i += 2;
      continue;
    }
    if ('<>!()[],.'.includes(c)) {
      out.push({ k: 'op', v: c, at });
      i++;
      continue;
    }
    throw new ExpressionError(`unexpected character '${c}'`, at);
  }
  out.push({ k: 'end', v: '', at: src.length });
  return out;
}

class Parser {
  #pos = 0;
  #depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.or();
    const t = this.peek();
    if (t.k !== 'end') throw new ExpressionError(`unexpected '${t.v}'`, t.at);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.#pos]!;
  }
  private next(): Token {
    return this.tokens[this.#pos++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.k === 'op' && t.v === v;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.k !== 'op' || t.v !== v) throw new ExpressionError(`expected '${v}' but found '${t.v || 'end'}'`, t.at);
  }
  private enter(at: number): void {
    if (++this.#depth > MAX_DEPTH) throw new ExpressionError('expression nests too deeply', at);
  }

  private or(): Node {
    let l = this.and();
    while (this.isOp('||')) {
      this.next();
      l = { t: 'or', l, r: this.and() };
    }
    return l;
  }
  private and(): Node {
    let l = this.unary();
    while (this.isOp('&&')) {
      this.next();
      l = { t: 'and', l, r: this.unary() };
    }
    return l;
  }
  private unary(): Node {
    if (this.isOp('!')) {
      const at = this.next().at;
      this.enter(at);
      const e = this.unary();
      this.#depth--;
      return { t: 'not', e };
    }
    return this.compare();
  }
  private compare(): Node {
    const l = this.value();
    const t = this.peek();
    const op = (t.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) || (t.k === 'name' && WORD_OPS.has(t.v)) ? t.v : undefined;
    if (!op) return l;
    this.next();
    return { t: 'cmp', op: op as CompareOp, l, r: this.value() };
  }
  private value(): Node {
    const t = this.next();
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
    if (t.k === 'op' && t.v === '(') {
      this.enter(t.at);
      const e = this.or();
      this.expectOp(')');
      this.#depth--;
      return e;
    }
    if (t.k === 'op' && t.v === '[') {
      const items: Node[] = [];
      if (!this.isOp(']')) {
        do items.push(this.value());
        while (this.isOp(',') && this.next());
      }
      this.expectOp(']');
      return { t: 'list', items };
    }
    if (t.k === 'name') {
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { t: 'lit', v: null };
      if (WORD_OPS.has(t.v)) throw new ExpressionError(`'${t.v}' needs a value on its left`, t.at);
      return this.path(t);
    }
    throw new ExpressionError(t.k === 'end' ? 'the expression ends too early' : `unexpected '${t.v}'`, t.at);
  }
  private path(first: Token): Node {
    const parts = [checkName(first.v, first.at)];
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const n = this.next();
        if (n.k !== 'name') throw new ExpressionError('expected a name after "."', n.at);
        parts.push(checkName(n.v, n.at));
      } else if (this.isOp('[')) {
        this.next();
        const s = this.next();
        if (s.k !== 'str') throw new ExpressionError("expected a quoted name inside [ ], e.g. header['x-tenant']", s.at);
        parts.push(checkName(s.v, s.at));
        this.expectOp(']');
      } else return { t: 'path', parts };
    }
  }
}

function checkName(name: string, at: number): string {
  if (FORBIDDEN_NAMES.has(name)) throw new ExpressionError(`'${name}' may not be used`, at);
  return name;
}

export type ExpressionScope = { readonly [name: string]: Value };
export type CompiledExpression = (scope: ExpressionScope) => boolean;

/** Parse once; the returned function evaluates against a scope of plain data. */
export function compileExpression(source: string): CompiledExpression {
  if (typeof source !== 'string' || source.trim() === '') throw new ExpressionError('the expression is empty', 0);
  if (source.length > MAX_LENGTH) throw new ExpressionError(`the expression is longer than ${MAX_LENGTH} characters`, MAX_LENGTH);
  const tree = new Parser(tokenize(source)).parse();
  return (scope) => truthy(evaluate(tree, scope));
}

function lookup(scope: ExpressionScope, parts: string[]): Value {
  let cur: Value = scope;
  for (const p of parts) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, p)) return undefined;
    cur = (cur as { readonly [k: string]: Value })[p];
  }
  return cur;
}

function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

function evaluate(n: Node, scope: ExpressionScope): Value {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'list':
      return n.items.map((i) => evaluate(i, scope));
    case 'path':
      return lookup(scope, n.parts);
    case 'not':
      return !truthy(evaluate(n.e, scope));
    case 'and':
      return truthy(evaluate(n.l, scope)) && truthy(evaluate(n.r, scope));
    case 'or':
      return truthy(evaluate(n.l, scope)) || truthy(evaluate(n.r, scope));
    case 'cmp':
      return compare(n.op, evaluate(n.l, scope), evaluate(n.r, scope));
  }
}

function compare(op: CompareOp, l: Value, r: Value): boolean {
  switch (op) {
    case '==':
      return l === r || (l == null && r == null);
    case '!=':
      return !(l === r || (l == null && r == null));
    case '<':
      return typeof l === 'number' && typeof r === 'number' && l < r;
    case '<=':
      return typeof l === 'number' && typeof r === 'number' && l <= r;
    case '>':
      return typeof l === 'number' && typeof r === 'number' && l > r;
    case '>=':
      return typeof l === 'number' && typeof r === 'number' && l >= r;
    case 'in':
      return contains(r, l);
    case 'contains':
      return contains(l, r);
    case 'startsWith':
      return typeof l === 'string' && typeof r === 'string' && l.startsWith(r);
    case 'endsWith':
      return typeof l === 'string' && typeof r === 'string' && l.endsWith(r);
  }
}

function contains(haystack: Value, needle: Value): boolean {
  if (Array.isArray(haystack)) return haystack.includes(needle);
  if (typeof haystack === 'string' && typeof needle === 'string') return haystack.includes(needle);
  return false;
}
