import type { PrincipalListInput } from './types.js';
import { NO_PRINCIPALS, type PrincipalList } from './rule.js';

/** `${name}` or `#{name}`: the two EL forms the source document uses */
const VARIABLE = /^[$#]\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}$/;

export type PrincipalParseResult = { ok: true; list: PrincipalList } | { ok: false; message: string };

/**
 * `"alice, ${approvers}"`, `'#{approvers}'` or `['alice', '${approvers}']` → literal names and variable names.
 * Anything that looks like an expression but is not exactly `${name}` is refused, so a typo
 * never turns into a literal user called `${aprovers`.
 */
export function parsePrincipals(input: PrincipalListInput | undefined): PrincipalParseResult {
  if (input === undefined) return { ok: true, list: NO_PRINCIPALS };
  const items = (typeof input === 'string' ? [input] : input).flatMap((s) => s.split(','));
  const names: string[] = [];
  const variables: string[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (item.length === 0) continue;
    const m = VARIABLE.exec(item);
    if (m) {
      if (!variables.includes(m[1]!)) variables.push(m[1]!);
      continue;
    }
    if (item.includes('{') || item.includes('}')) {
      return { ok: false, message: `'${item}' is not a name nor a \${variable} / #{variable} expression` };
    }
    if (!names.includes(item)) names.push(item);
  }
  return { ok: true, list: Object.freeze({ names: Object.freeze(names), variables: Object.freeze(variables) }) };
}
