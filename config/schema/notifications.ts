import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { secretRef } from './common.js';
import { parseCron } from '../cron.js';

const N = DEFAULTS.notifications;

/** The events mail can be sent about (gateway/notifications/events.ts has their placeholders). */
export const NOTIFICATION_EVENT_NAMES = [
  'approval-requested',
  'approval-approved',
  'approval-rejected',
  'approval-expired',
  'account-locked',
  'credential-added',
  'credential-removed',
  'session-ended',
  'new-address-login',
  'daily-summary',
] as const;

export const smtpSchema = z
  .strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(N.smtpPort),
    /** `starttls`: plain connection upgraded, refused when the server cannot; `tls`: TLS from the first byte (port 465); `none`: loopback or test servers only */
    security: z.enum(['starttls', 'tls', 'none']).default(N.smtpSecurity),
    /** PEM file of the CA that signed the SMTP server's certificate (a private CA) */
    caFile: z.string().min(1).optional(),
    /** SMTP AUTH user; the password is a secret reference */
    user: z.string().min(1).optional(),
    password: secretRef.optional(),
    connectionTimeoutMs: z.number().int().positive().default(N.connectionTimeoutMs),
  })
  .superRefine((s, ctx) => {
    if ((s.user === undefined) !== (s.password === undefined)) ctx.addIssue({ code: 'custom', path: [s.user === undefined ? 'user' : 'password'], message: "SMTP authentication needs both 'user' and 'password'" });
    if (s.security === 'none' && s.password !== undefined) ctx.addIssue({ code: 'custom', path: ['security'], message: "'none' would send the SMTP password in clear; use starttls or tls" });
  });

const eventSettingSchema = z.strictObject({
  /** sent to users who did not choose (default true) */
  default: z.boolean().default(true),
  /** users cannot unsubscribe */
  mandatory: z.boolean().default(false),
  /** not sent at all */
  disabled: z.boolean().default(false),
});

export const notificationsSchema = z.strictObject({
  /** off: no mail at all (events are dropped); the rest of the section is then not needed */
  enabled: z.boolean().default(false),
  smtp: smtpSchema.optional(),
  /** the From of every message, `Name <address>` or an address */
  from: z.string().min(3).optional(),
  /** language of users without a `language` attribute, and of missing translations */
  defaultLanguage: z.string().regex(/^[a-z]{2}$/, 'must be a two-letter language code').default(N.defaultLanguage),
  /** a folder of templates that replace the built-in ones: `<event>.<language>.yaml` with subject, text, html */
  templatesDir: z.string().min(1).optional(),
  /** per event: the default subscription, mandatory, disabled */
  events: z.partialRecord(z.enum(NOTIFICATION_EVENT_NAMES), eventSettingSchema).default({}),
  /** the daily summary: a Quartz cron expression, seconds first (`0 0 7 * * ?`), in the gateway's time zone (UTC unless TZ is set) */
  summarySchedule: z
    .string()
    .min(1)
    .default(N.summarySchedule)
    .superRefine((expr, ctx) => {
      try {
        parseCron(expr);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /** how many client addresses are remembered per user for `new-address-login` */
  rememberAddresses: z.number().int().min(1).max(100).default(N.rememberAddresses),
  outbox: z
    .strictObject({
      /** how often each gateway looks for messages to send */
      pollSeconds: z.number().int().min(1).default(N.outbox.pollSeconds),
      /** a message that failed this often is given up (and logged) */
      maxAttempts: z.number().int().min(1).default(N.outbox.maxAttempts),
      firstRetrySeconds: z.number().int().min(1).default(N.outbox.firstRetrySeconds),
      maxRetrySeconds: z.number().int().min(1).default(N.outbox.maxRetrySeconds),
      /** how long a gateway owns a message it is sending; after that another may send it */
      claimSeconds: z.number().int().min(10).default(N.outbox.claimSeconds),
    })
    .default(() => ({ ...N.outbox })),
}).superRefine((n, ctx) => {
  if (!n.enabled) return;
  if (!n.smtp) ctx.addIssue({ code: 'custom', path: ['smtp'], message: 'notifications are enabled: name the SMTP server (smtp.host)' });
  if (!n.from) ctx.addIssue({ code: 'custom', path: ['from'], message: 'notifications are enabled: give the sender address (from)' });
});

export const approvalsSchema = z.strictObject({
  sweepSeconds: z.number().int().min(1).default(DEFAULTS.approvals.sweepSeconds),
  keepClosedSeconds: z.number().int().min(60).default(DEFAULTS.approvals.keepClosedSeconds),
  staleSendingSeconds: z.number().int().min(30).default(DEFAULTS.approvals.staleSendingSeconds),
});

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type SmtpConfig = z.infer<typeof smtpSchema>;
