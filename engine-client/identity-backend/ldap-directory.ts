/**
 * Reading users and groups from a directory over an open `LdapSession`: the user search,
 * the user's groups (from an attribute, a group search, the Active Directory in-chain rule,
 * or a bounded recursive search for every other server) and a group's members. Used by the
 * gateway's LDAP authenticator and by the LDAP identity backend. Every value that goes into a
 * filter or a DN is escaped here.
 */
import type { LdapEntry, LdapSession } from './ldap-connection.js';
import { escapeDnValue, escapeFilterValue, fillTemplate } from './ldap-escape.js';

export interface LdapGroupSettings {
  source: 'attribute' | 'search' | 'none';
  attribute: string;
  searchBase?: string;
  filter: string;
  nameAttribute: string;
  nested: 'off' | 'ad' | 'recursive';
  adNestedFilter: string;
  maxDepth: number;
  maxGroups: number;
}

export interface LdapDirectorySettings {
  searchBase: string;
  searchScope: 'base' | 'one' | 'sub';
  userFilter: string;
  userDnPattern?: string;
  loginAttribute: string;
  /** identity attribute → directory attribute */
  attributes: Record<string, string>;
  groups: LdapGroupSettings;
}

export type UserLookup = { found: LdapEntry } | { found: null; reason: 'not-found' | 'ambiguous' };

const SIZE_LIMIT_EXCEEDED = 4;

/** The attributes to ask for when reading a user. */
export function userAttributes(s: LdapDirectorySettings): string[] {
  const names = new Set([s.loginAttribute, ...Object.values(s.attributes)]);
  if (s.groups.source === 'attribute') names.add(s.groups.attribute);
  return [...names];
}

/** Search the user by login; more than one match is refused (a filter that is too wide). */
export async function findUser(session: LdapSession, s: LdapDirectorySettings, login: string): Promise<UserLookup> {
  const filter = fillTemplate(s.userFilter, { login }, escapeFilterValue);
  let entries: LdapEntry[];
  try {
    entries = await session.search(s.searchBase, { scope: s.searchScope, filter, attributes: userAttributes(s), sizeLimit: 2 });
  } catch (err) {
    if ((err as { code?: unknown }).code === SIZE_LIMIT_EXCEEDED) return { found: null, reason: 'ambiguous' };
    throw err;
  }
  if (entries.length === 0) return { found: null, reason: 'not-found' };
  if (entries.length > 1) return { found: null, reason: 'ambiguous' };
  return { found: entries[0]! };
}

/** The DN a `userDnPattern` gives for a login, the login escaped per RFC 4514. */
export function userDnFor(s: LdapDirectorySettings, login: string): string {
  return fillTemplate(s.userDnPattern!, { login }, escapeDnValue);
}

/** Read one entry by DN (base scope). */
export async function readEntry(session: LdapSession, dn: string, attributes: string[]): Promise<LdapEntry | null> {
  const entries = await session.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes });
  return entries[0] ?? null;
}

/** First value of an attribute (names are case-insensitive). */
export function firstValue(entry: LdapEntry, attribute: string): string | undefined {
  return entry.attributes[attribute.toLowerCase()]?.[0];
}

/** Identity attributes of a user entry by identity name (firstName, email, ...). */
export function identityAttributes(entry: LdapEntry, s: LdapDirectorySettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [identityName, ldapName] of Object.entries(s.attributes)) {
    const v = firstValue(entry, ldapName);
    if (v !== undefined) out[identityName] = v;
  }
  return out;
}

/** The value of a DN's first RDN, unescaped: `cn=staff\2C old,ou=groups` → `staff, old`. */
export function firstRdnValue(dn: string): { attribute: string; value: string } | null {
  let i = 0;
  let raw = '';
  for (; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\') {
      raw += c + (dn[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === ',' || c === '+') break;
    raw += c;
  }
  const eq = raw.indexOf('=');
  if (eq <= 0) return null;
  const bytes: number[] = [];
  const value = raw.slice(eq + 1);
  for (let j = 0; j < value.length; j++) {
    const c = value[j]!;
    if (c === '\\' && /^[0-9a-fA-F]{2}$/.test(value.slice(j + 1, j + 3))) {
      bytes.push(parseInt(value.slice(j + 1, j + 3), 16));
      j += 2;
    } else if (c === '\\') {
      bytes.push(...Buffer.from(value[j + 1] ?? '', 'utf8'));
      j++;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return { attribute: raw.slice(0, eq).trim(), value: Buffer.from(bytes).toString('utf8') };
}

interface GroupRef {
  dn: string;
  name: string;
}

function groupName(entry: LdapEntry, nameAttribute: string): string {
  return firstValue(entry, nameAttribute) ?? firstRdnValue(entry.dn)?.value ?? entry.dn;
}

async function searchGroups(session: LdapSession, s: LdapDirectorySettings, filter: string, limit: number): Promise<GroupRef[]> {
  const entries = await session.search(s.groups.searchBase ?? s.searchBase, {
    scope: 'sub',
    filter,
    attributes: [s.groups.nameAttribute],
    sizeLimit: limit,
    paged: true,
  });
  return entries.map((e) => ({ dn: e.dn, name: groupName(e, s.groups.nameAttribute) }));
}

/**
 * The user's group names, sorted, without duplicates. `recursive` walks up the group tree
 * breadth-first with one OR-search per level, at most `maxDepth` levels and `maxGroups`
 * groups, so a cycle or a huge tree cannot keep a login busy.
 */
export async function resolveGroups(session: LdapSession, s: LdapDirectorySettings, user: LdapEntry, login: string): Promise<string[]> {
  const g = s.groups;
  if (g.source === 'none') return [];
  const found = new Map<string, GroupRef>();
  let direct: GroupRef[];
  if (g.source === 'attribute') {
    direct = (user.attributes[g.attribute.toLowerCase()] ?? []).map((dn) => ({ dn, name: firstRdnValue(dn)?.value ?? dn }));
  } else {
    const template = g.nested === 'ad' ? g.adNestedFilter : g.filter;
    direct = await searchGroups(session, s, fillTemplate(template, { dn: user.dn, login }, escapeFilterValue), g.maxGroups);
  }
  for (const ref of direct.slice(0, g.maxGroups)) found.set(ref.dn.toLowerCase(), ref);

  if (g.nested === 'recursive' && g.filter.includes('{dn}')) {
    let frontier = [...found.values()];
    for (let depth = 1; depth <= g.maxDepth && frontier.length > 0 && found.size < g.maxGroups; depth++) {
      const parts = frontier.map((ref) => fillTemplate(g.filter, { dn: ref.dn, login: '' }, escapeFilterValue));
      const filter = parts.length === 1 ? parts[0]! : `(|${parts.join('')})`;
      const parents = await searchGroups(session, s, filter, g.maxGroups);
      frontier = [];
      for (const p of parents) {
        const key = p.dn.toLowerCase();
        if (found.has(key) || found.size >= g.maxGroups) continue;
        found.set(key, p);
        frontier.push(p);
      }
    }
  }
  return [...new Set([...found.values()].map((r) => r.name))].sort();
}

/**
 * Login ids of a group's direct members: the group is found by name, each member DN is
 * read for its login attribute; members that are groups (no login attribute) are skipped.
 */
export async function groupMembers(session: LdapSession, s: LdapDirectorySettings, group: string, maxMembers = 1000): Promise<string[] | null> {
  const filter = `(&(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))(${s.groups.nameAttribute}=${escapeFilterValue(group)}))`;
  const entries = await session.search(s.groups.searchBase ?? s.searchBase, {
    scope: 'sub',
    filter,
    attributes: ['member', 'uniqueMember'],
    sizeLimit: 2,
  });
  if (entries.length !== 1) return null;
  const dns = [...(entries[0]!.attributes['member'] ?? []), ...(entries[0]!.attributes['uniquemember'] ?? [])].slice(0, maxMembers);
  const logins: string[] = [];
  for (const dn of dns) {
    const entry = await readEntry(session, dn, [s.loginAttribute]).catch(() => null);
    const login = entry && firstValue(entry, s.loginAttribute);
    if (login) logins.push(login);
  }
  return logins.sort();
}
