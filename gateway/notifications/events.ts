/**
 * The events the gateway sends mail about, and the placeholders each event's templates may
 * use. A template naming anything else is refused when templates load (templates.ts). Stable
 * names: subscriptions and operator settings key on them.
 */
export const NOTIFICATION_EVENTS = {
  'approval-requested': ['approval.id', 'approval.url', 'approval.description', 'approval.method', 'approval.path', 'approval.route', 'approval.expiresAt', 'requester.loginId', 'requester.name'],
  'approval-approved': ['approval.id', 'approval.url', 'approval.description', 'approval.method', 'approval.path', 'approval.approvedBy', 'approval.comment', 'approval.upstreamStatus'],
  'approval-rejected': ['approval.id', 'approval.url', 'approval.description', 'approval.method', 'approval.path', 'approval.rejectedBy', 'approval.comment'],
  'approval-expired': ['approval.id', 'approval.url', 'approval.description', 'approval.method', 'approval.path', 'approval.expiresAt'],
  'account-locked': ['lockout.minutes', 'lockout.address'],
  'credential-added': ['credential.name', 'credential.service'],
  'credential-removed': ['credential.name', 'credential.service'],
  'session-ended': ['session.address', 'session.startedAt', 'session.endedBy'],
  'new-address-login': ['login.address', 'login.at', 'login.authenticator'],
  'daily-summary': ['summary.pendingCount', 'summary.pendingList', 'summary.resultCount', 'summary.resultList'],
} as const satisfies Record<string, readonly string[]>;

export type NotificationEventType = keyof typeof NOTIFICATION_EVENTS;
export const EVENT_TYPES = Object.keys(NOTIFICATION_EVENTS) as NotificationEventType[];

/** Placeholders every template may use besides its event's: the recipient and links back to the gateway. */
export const COMMON_PLACEHOLDERS = ['user.loginId', 'user.firstName', 'user.lastName', 'user.name', 'user.email', 'links.gateway', 'links.account', 'links.notifications', 'event.at'] as const;

/** One thing that happened, for the users it concerns. */
export interface NotificationEvent {
  type: NotificationEventType;
  /** login ids of the recipients (their address and language come from their profile) */
  to: readonly string[];
  /** the event's placeholders (without the `approval.` style prefix applied twice: keys as in NOTIFICATION_EVENTS) */
  data: Readonly<Record<string, string>>;
  /** identifies the event, so the same event is queued once per recipient (retries of `notify` do not duplicate) */
  key?: string;
}

/**
 * Where features report events. `notify` never throws and never waits for SMTP: the messages
 * go to the durable outbox (or nowhere, when mail is off). The vault calls it for
 * `credential-added` / `credential-removed`, the account page for `session-ended`.
 */
export interface Notifier {
  notify(event: NotificationEvent): Promise<void>;
}

/** Mail is off: events are dropped. */
export const SILENT_NOTIFIER: Notifier = { notify: async () => {} };
