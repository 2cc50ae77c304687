import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';

// The identity record has a module of its own; re-exported so authenticators import one place.
export type { AuthenticatedUser } from '../identity/authenticated-user.js';

/** What a login attempt tells about the caller, for logs and throttling. */
export interface LoginContext {
  clientAddress: string;
  /** the request's logger; never log the password */
  log: FastifyRequest['log'];
}

/**
 * An authenticator checked with a login and a password (the login form, HTTP Basic).
 * A wrong password and an unknown user both answer `null`. A backend that cannot be
 * reached throws a `BackendUnavailableError`-like error with statusCode 503.
 */
export interface PasswordAuthenticator {
  readonly kind: 'password';
  readonly type: string;
  readonly name: string;
  verify(login: string, password: string, ctx: LoginContext): Promise<AuthenticatedUser | null>;
  /** whether an account of this name exists (for logs only; without it a failed name is logged as a digest) */
  knowsUser?(login: string): boolean | Promise<boolean>;
  /**
   * The user as the identity store has them now, without a password: null when the user was
   * deleted or disabled. Sessions re-check their user with it (sessions/session-recheck.ts).
   * Throws when the store cannot be asked. `recheck` carries the session's user, for wrappers
   * that must redo what the login did (the user mapping), and the request's log.
   */
  lookup?(loginId: string, recheck?: LookupContext): Promise<AuthenticatedUser | null>;
  close?(): Promise<void>;
}

export interface LookupContext {
  previous: AuthenticatedUser;
  log: Pick<FastifyBaseLogger, 'info' | 'error'>;
}

/** What the gateway lends an authenticator that owns routes (SAML, header). */
export interface LoginCompletion {
  /** create the SSO session (rotating any old id), set the cookie and redirect to `returnTo` */
  completeLogin(request: FastifyRequest, reply: FastifyReply, user: AuthenticatedUser, returnTo: string): Promise<void>;
  /** only local paths survive; anything else becomes `/` */
  safeReturnTo(value: unknown): string;
  /**
   * End every session whose user has this `loginId` and was vouched for by the named
   * authenticator (single logout started by a SAML IdP), and, with `match`, only those whose
   * user it accepts (OIDC back-channel logout names one provider session). Answers how many ended.
   * Optional so older gateways still type-check; SAML answers a failed LogoutResponse without it.
   */
  endSessionsOf?(authenticator: string, loginId: string, match?: (user: AuthenticatedUser) => boolean): Promise<number>;
}

/**
 * An authenticator that drives its own flow over routes (SAML redirect/POST). The login
 * page shows a button for each, linking to `loginUrl(returnTo)`.
 */
export interface RoutedAuthenticator {
  readonly kind: 'routed';
  readonly type: string;
  readonly name: string;
  /** text on the login page button, e.g. "Sign in with Corporate IdP" */
  readonly label: string;
  loginUrl(returnTo: string): string;
  /**
   * Several buttons for one authenticator (SAML: one per identity provider). When present,
   * the login page shows one button per entry instead of `label` / `loginUrl`.
   */
  loginChoices?(returnTo: string): Array<{ label: string; url: string }>;
  register(app: FastifyInstance, completion: LoginCompletion): Promise<void>;
  /**
   * Called by /logout after the local session is gone. Returns a URL to send the browser
   * to (e.g. the IdP's single logout), or undefined for the normal logged-out page.
   */
  logoutRedirect?(user: AuthenticatedUser): Promise<string | undefined>;
  /** where a route that needs `auth.strong` sends a weaker session (`policy.stepUp`); `loginUrl` without it */
  stepUpUrl?(returnTo: string): string;
  /**
   * Re-read a session's user once its `refreshAt` has passed (OIDC: refresh token → new
   * groups). Answers the updated user, null when the session must end (refresh refused), or
   * undefined to leave the session as it is for now (another gateway is refreshing it).
   */
  refreshUser?(user: AuthenticatedUser, log: FastifyRequest['log']): Promise<AuthenticatedUser | null | undefined>;
  close?(): Promise<void>;
}

/**
 * An authenticator that looks at each request itself, with no session and no cookie
 * (trusted header, HTTP Basic on API routes, client certificates). Answers the user,
 * or null when the request does not carry what it looks for.
 */
export interface RequestAuthenticator {
  readonly kind: 'request';
  readonly type: string;
  readonly name: string;
  authenticate(request: FastifyRequest): Promise<AuthenticatedUser | null>;
  /** an authenticator with a listener of its own (mtls) starts it once the gateway listens */
  listen?(app: FastifyInstance): Promise<void>;
  /** true when the request arrived on this authenticator's own listener: then it alone identifies the caller */
  owns?(request: FastifyRequest): boolean;
  close?(): Promise<void>;
}

export type Authenticator = PasswordAuthenticator | RoutedAuthenticator | RequestAuthenticator;

/** What a factory gets to build an authenticator from its configuration. */
export interface AuthenticatorContext {
  /** folder of the configuration file: relative paths are resolved against it */
  configDir: string;
  dataDir: string;
  /** the gateway's public base URL, e.g. http://127.0.0.1:8080 */
  publicUrl: string;
  log: import('pino').Logger;
  /** the other authenticators already built, by name (basic reuses file or LDAP users) */
  byName(name: string): Authenticator | undefined;
  /** a key/value store with expiry shared by gateway processes (replay caches and the like) */
  sharedStore: import('../sessions/store.js').ExpiringStore;
  /** the login form's lockout settings, so HTTP Basic counts failures the same way */
  loginThrottle?: import('../login/throttle.js').ThrottleSettings;
  /** the gateway's decided client address (trusted proxies applied) */
  clientAddress?(request: FastifyRequest): string;
  /** true when sessions live in a store several gateways share (Redis): secrets kept in them are encrypted */
  storeShared?: boolean;
  /** hears of every account lockout (HTTP Basic counts like the login form) */
  onLockout?: import('../login/throttle.js').LockoutListener;
  /** count a login attempt that does not pass the login form (Basic, the SAML and OIDC callbacks) in `logins_total` */
  countLogin?(authenticator: string, result: 'success' | 'failure' | 'locked'): void;
}
