import type { DurableStore } from '../durable/store.js';
import { canonicalLogin } from '../login/canonical-login.js';

/** What mail needs to know about a user: where to write, in which language, which roles. */
export interface Profile {
  loginId: string;
  email?: string;
  language?: string;
  firstName?: string;
  lastName?: string;
  roles: string[];
  groups: string[];
  updatedAt: number;
}

const PREFIX = 'profile/';
const keyOf = (login: string) => `${PREFIX}${encodeURIComponent(canonicalLogin(login))}`;

/**
 * The users the gateway has seen log in, as of their last login: mail goes to the address and
 * language their identity store gave then, and "everyone with role approver" means the users
 * seen with that role. Written only when something changed, so a login costs one read.
 */
export class Profiles {
  readonly #durable: DurableStore;
  readonly #now: () => number;

  constructor(durable: DurableStore, now: () => number = Date.now) {
    this.#durable = durable;
    this.#now = now;
  }

  async record(user: { loginId: string; roles: readonly string[]; groups: readonly string[]; attributes: Readonly<Record<string, string>> }): Promise<void> {
    const a = user.attributes;
    const next: Profile = {
      loginId: user.loginId,
      roles: [...user.roles],
      groups: [...user.groups],
      updatedAt: this.#now(),
      ...(a.email ? { email: a.email } : {}),
      ...(a.language ? { language: a.language } : {}),
      ...(a.firstName ? { firstName: a.firstName } : {}),
      ...(a.lastName ? { lastName: a.lastName } : {}),
    };
    const found = await this.#durable.get<Profile>(keyOf(user.loginId));
    if (found && same(found.value, next)) return;
    await this.#durable.put(keyOf(user.loginId), next, found ? found.version : 'absent');
  }

  async get(login: string): Promise<Profile | undefined> {
    return (await this.#durable.get<Profile>(keyOf(login)))?.value;
  }

  async all(): Promise<Profile[]> {
    return (await this.#durable.list<Profile>(PREFIX)).map((r) => r.value);
  }

  /** Login ids of the users named, or seen with one of the roles or groups. */
  async matching(who: { roles: readonly string[]; groups: readonly string[]; users: readonly string[] }): Promise<string[]> {
    const out = new Set(who.users);
    if (who.roles.length + who.groups.length > 0) {
      for (const p of await this.all()) if (p.roles.some((r) => who.roles.includes(r)) || p.groups.some((g) => who.groups.includes(g))) out.add(p.loginId);
    }
    return [...out];
  }
}

function same(a: Profile, b: Profile): boolean {
  const { updatedAt: _a, ...x } = a;
  const { updatedAt: _b, ...y } = b;
  return JSON.stringify(x) === JSON.stringify(y);
}
