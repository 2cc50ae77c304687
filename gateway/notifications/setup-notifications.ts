import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { PortcullisConfig } from '@portcullis/config/schema/index.js';
import { parseCron } from '@portcullis/config/cron.js';
import type { GatewayContext } from '../context.js';
import type { DurableStore } from '../durable/store.js';
import { GatewayError } from '../errors.js';
import type { GatewayInstruments } from '../ops/gateway-metrics.js';
import { AddressMemory } from './address-memory.js';
import { DailySummary } from './daily-summary.js';
import { createSmtpMailer, type Mailer } from './mailer.js';
import { NotificationService } from './notification-service.js';
import { notificationSection, registerNotificationRoutes } from './notification-section.js';
import { Outbox } from './outbox.js';
import { Profiles } from './profiles.js';
import { Subscriptions } from './subscriptions.js';
import { TemplateCatalogue, } from './template-catalogue.js';
import { TemplateError } from './template.js';

export interface Notifications {
  service: NotificationService;
  outbox: Outbox;
  summary: DailySummary;
  mailer: Mailer;
  /** routes, account section, start with the app */
  attach(app: FastifyInstance, gw: GatewayContext): void;
  /** stop: events being queued, the summary timer, the outbox pass; before the durable store closes */
  close(): Promise<void>;
}

/**
 * Mail, when `notifications.enabled`: templates compiled (an unknown placeholder stops the
 * start), the SMTP transport, the durable outbox and its sender, subscriptions, the daily
 * summary. The parts run once the app is ready and stop when it closes.
 */
export async function setupNotifications(config: PortcullisConfig, options: { durable: DurableStore | undefined; configDir: string; publicUrl: string; log: Logger; env: NodeJS.ProcessEnv; instruments: GatewayInstruments; mailer?: Mailer }): Promise<Notifications | undefined> {
  const n = config.notifications;
  if (!n.enabled) return undefined;
  const durable = options.durable;
  if (!durable) throw new GatewayError('GW_CONFIG_INVALID', 500, 'notifications need the durable store (the outbox must survive a restart)');
  let catalogue: TemplateCatalogue;
  try {
    catalogue = await TemplateCatalogue.load({ ...(n.templatesDir ? { dir: n.templatesDir } : {}), configDir: options.configDir, defaultLanguage: n.defaultLanguage });
  } catch (err) {
    if (err instanceof TemplateError) throw new GatewayError('GW_CONFIG_INVALID', 500, err.message);
    throw err;
  }
  let schedule;
  try {
    schedule = parseCron(n.summarySchedule);
  } catch (err) {
    throw new GatewayError('GW_CONFIG_INVALID', 500, `notifications.summarySchedule: ${(err as Error).message}`);
  }
  const log = options.log.child({ component: 'notifications' });
  const mailer = options.mailer ?? (await createSmtpMailer(n.smtp!, n.from!, { configDir: options.configDir, env: options.env }));
  const instance = randomUUID();
  const { instruments } = options;
  const outbox = new Outbox({
    durable,
    mailer,
    settings: n.outbox,
    log,
    instance,
    domain: new URL(options.publicUrl).hostname || 'portcullis',
    observer: {
      size: (count) => instruments.mailOutbox.set({}, count),
      sent: () => instruments.mailSent.inc({}),
      failed: (final) => instruments.mailFailures.inc({ final: String(final) }),
    },
  });
  const profiles = new Profiles(durable);
  const subscriptions = new Subscriptions(durable, n.events);
  const service = new NotificationService({ catalogue, subscriptions, profiles, addresses: new AddressMemory(durable, n.rememberAddresses), outbox, publicUrl: options.publicUrl, log });
  const summary = new DailySummary({ schedule, durable, profiles, notifier: service, log, instance, publicUrl: options.publicUrl });
  return {
    service,
    outbox,
    summary,
    mailer,
    attach(app, gw) {
      registerNotificationRoutes(app, gw, subscriptions);
      gw.accountSections.push(notificationSection(subscriptions));
      app.addHook('onReady', async () => {
        outbox.start();
        summary.start();
      });
    },
    async close() {
      await summary.close();
      await service.drain();
      await outbox.close();
      mailer.close();
    },
  };
}
