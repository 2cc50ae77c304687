import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { PortcullisConfig } from '@portcullis/config/schema/index.js';
import type { Authenticator, PasswordAuthenticator, RequestAuthenticator, RoutedAuthenticator } from './authenticators/types.js';
import type { SessionManager } from './sessions/session-manager.js';
import type { ExpiringStore } from './sessions/store.js';
import type { LoginThrottle } from './login/throttle.js';
import type { TokenMinter } from './tokens/minter.js';
import type { SigningKeys } from './tokens/key-store.js';
import type { GatewayInstruments } from './ops/gateway-metrics.js';
import type { AccountSection } from './account/section.js';
import type { Notifier } from './notifications/events.js';
import type { DurableStore } from './durable/store.js';

/** Everything the gateway's route modules share, built once at start-up. */
export interface GatewayContext {
  readonly config: PortcullisConfig;
  readonly configDir: string;
  readonly dataDir: string;
  readonly publicUrl: string;
  readonly secureCookies: boolean;
  readonly log: Logger;
  readonly store: ExpiringStore;
  /** records that outlive restarts (vault, approvals): file, PostgreSQL or persistent Redis */
  readonly durable: DurableStore;
  readonly sessions: SessionManager;
  /** re-checks a session's user against their identity store (sessions/session-recheck.ts) */
  readonly sessionRecheck?: import('./sessions/session-recheck.js').SessionRecheck;
  readonly throttle: LoginThrottle;
  readonly minter: TokenMinter;
  readonly keys: SigningKeys;
  readonly authenticators: {
    readonly all: readonly Authenticator[];
    readonly password: readonly PasswordAuthenticator[];
    readonly routed: readonly RoutedAuthenticator[];
    readonly request: readonly RequestAuthenticator[];
  };
  /** metrics instruments (no-ops when metrics are off) */
  readonly instruments: GatewayInstruments;
  /** the parts of `/account`: each feature pushes its own before the account routes register */
  readonly accountSections: AccountSection[];
  /**
   * Where features report what users are told about by mail (docs/notifications.md): the
   * vault (`credential-added` / `credential-removed`), the account page (`session-ended`).
   * Never throws, never waits for SMTP; drops events when mail is off.
   */
  readonly notifier: Notifier;
  /** the mail service itself, when `notifications.enabled` (logins update the profiles mail is sent by) */
  readonly notifications?: import('./notifications/notification-service.js').NotificationService;
  /** the decided client address (socket, or X-Forwarded-For from trusted proxies) */
  clientAddress(request: FastifyRequest): string;
}
