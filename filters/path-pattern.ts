/**
 * Path patterns of start conditions (`when.paths`), compiled to a matcher whose work is
 * bounded by (path length × pattern length) whatever the input: the pattern becomes a small
 * NFA that is run over the path once, keeping the set of live states (no backtracking, unlike
 * a regular expression with several `.*`, which an 8 KB path made crawl for seconds). The
 * state sets are cached as a lazy DFA, so the usual cost is one lookup per character.
 *
 * - `*` matches within one segment (no `/`), possibly nothing;
 * - `**` matches anything; written as a whole segment (`/**`), it matches zero or more
 *   segments, so `/admin/**` matches `/admin` itself as well as `/admin/`, `/admin/x/y`,
 *   and `/a/**\/b` matches `/a/b`;
 * - everything else is literal. Matching ignores case, like every path match of the gateway.
 */

const enum Kind {
  Literal,
  /** any character but `/`, zero or more */
  Star,
  /** any character, zero or more */
  GlobStar,
  /** the `/` of a `/**` segment: either `/` then the GlobStar that follows, or nothing at all */
  OptionalSlash,
}

interface State {
  kind: Kind;
  char?: string;
}

export type PathMatcher = (path: string) => boolean;

/** Compile a pattern (must start with `/`; the caller checks). */
export function compilePathPattern(pattern: string): PathMatcher {
  const states = statesOf(pattern.toLowerCase());
  const nodes = new Map<string, DfaNode>();
  const nodeOf = (set: Uint8Array): DfaNode => {
    const key = String.fromCharCode(...set);
    let node = nodes.get(key);
    if (!node) {
      node = { set, accept: set[states.length] === 1, cached: nodes.size < MAX_DFA_NODES, next: new Map() };
      if (node.cached) nodes.set(key, node);
    }
    return node;
  };
  const startSet = new Uint8Array(states.length + 1);
  startSet[0] = 1;
  close(states, startSet);
  const start = nodeOf(startSet);
  return (input) => {
    const path = input.toLowerCase();
    let node: DfaNode | undefined = start;
    for (let p = 0; p < path.length && node; p++) {
      const c = path[p]!;
      let to: DfaNode | null | undefined = node.next.get(c);
      if (to === undefined) {
        const set = stepOf(states, node.set, c);
        to = set ? nodeOf(set) : null;
        // a state set met before answers the next character from the cache: one map lookup
        // edges only between cached nodes, so the cache stays bounded
        if (node.cached && (to === null || to.cached) && node.next.size < MAX_EDGES_PER_NODE) node.next.set(c, to);
      }
      node = to ?? undefined;
    }
    return node?.accept === true;
  };
}

/**
 * The live NFA states after reading one character, or null when none is live. The sets met
 * are kept as the nodes of a lazily built DFA (bounded in size, like RE2's), so a path costs
 * one lookup per character once its state sets have been seen, and at most (pattern length)
 * steps per character when they have not: never more, whatever the input.
 */
interface DfaNode {
  set: Uint8Array;
  accept: boolean;
  /** one of the MAX_DFA_NODES kept; past that, sets are computed and dropped */
  cached: boolean;
  next: Map<string, DfaNode | null>;
}

const MAX_DFA_NODES = 512;
const MAX_EDGES_PER_NODE = 128;

function stepOf(states: readonly State[], current: Uint8Array, c: string): Uint8Array | null {
  const n = states.length;
  const next = new Uint8Array(n + 1);
  let alive = false;
  for (let s = 0; s < n; s++) {
    if (!current[s]) continue;
    const state = states[s]!;
    let to = -1;
    if (state.kind === Kind.Literal) to = state.char === c ? s + 1 : -1;
    else if (state.kind === Kind.Star) to = c === '/' ? -1 : s;
    else if (state.kind === Kind.GlobStar) to = s;
    else to = c === '/' ? s + 1 : -1;
    if (to !== -1) {
      next[to] = 1;
      alive = true;
    }
  }
  if (!alive) return null;
  close(states, next);
  return next;
}

/** Follow the empty moves (a star may match nothing; an optional slash may be skipped with its GlobStar). */
function close(states: readonly State[], set: Uint8Array): void {
  for (let s = 0; s < states.length; s++) {
    if (!set[s]) continue;
    const kind = states[s]!.kind;
    if (kind === Kind.Star || kind === Kind.GlobStar) set[s + 1] = 1;
    else if (kind === Kind.OptionalSlash) set[s + 2] = 1;
  }
}

function statesOf(pattern: string): State[] {
  const states: State[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '/' && pattern.startsWith('**', i + 1) && (i + 3 === pattern.length || pattern[i + 3] === '/')) {
      states.push({ kind: Kind.OptionalSlash }, { kind: Kind.GlobStar });
      i += 2;
    } else if (c === '*' && pattern[i + 1] === '*') {
      states.push({ kind: Kind.GlobStar });
      i++;
    } else if (c === '*') {
      states.push({ kind: Kind.Star });
    } else {
      states.push({ kind: Kind.Literal, char: c });
    }
    // repeated stars add nothing but work
    const last = states[states.length - 1]!;
    const before = states[states.length - 2];
    if (before && last.kind !== Kind.Literal && last.kind === before.kind && last.kind !== Kind.OptionalSlash) states.pop();
  }
  return states;
}
