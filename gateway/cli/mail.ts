/**
 * `portcullis mail test`: connect to the configured SMTP server as the gateway would
 * (STARTTLS or TLS, the CA file, AUTH with the secret reference resolved), and send one test
 * message, or only connect (`--connect-only`). Says which step failed; never prints the password.
 */
import { ConfigError } from '@portcullis/config/errors.js';
import { loadConfig } from './gateway-config.js';
import type { CliCommand } from './command.js';
import { UsageError } from './command.js';
import { parseOptions } from './args.js';
import { createSmtpMailer, mailError } from '../notifications/mailer.js';

const testCommand: CliCommand = {
  name: 'test',
  summary: 'Connect to the SMTP server of a configuration and send a test message.',
  usage: 'mail test --config FILE (--to ADDRESS | --connect-only)',
  help: `Options:
  -c, --config FILE    the gateway's configuration (notifications.smtp and notifications.from)
  -t, --to ADDRESS     where the test message goes
  --connect-only       connect, upgrade to TLS and authenticate, but send nothing

Exit codes: 0 the server accepted the connection (and the message), 1 it did not (the line
says why: connection, TLS, authentication or the server's answer), 2 usage error.`,
  async run(args, io) {
    const { values } = parseOptions(args, { config: { type: 'string', short: 'c' }, to: { type: 'string', short: 't' }, 'connect-only': { type: 'boolean' } });
    if (!values.config) throw new UsageError('mail test: --config FILE is required');
    if (!values.to && !values['connect-only']) throw new UsageError('mail test: give --to ADDRESS, or --connect-only');
    let loaded;
    try {
      loaded = await loadConfig(values.config, { env: io.env, cwd: io.cwd });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stdout.write(`${err.message} [${err.code}]\n`);
      return 1;
    }
    const n = loaded.config.notifications;
    if (!n.smtp || !n.from) {
      io.stdout.write(`${loaded.file}: notifications.smtp and notifications.from are not configured\n`);
      return 1;
    }
    const where = `${n.smtp.host}:${n.smtp.port} (${n.smtp.security}${n.smtp.user ? `, user ${n.smtp.user}` : ''})`;
    let mailer;
    try {
      mailer = await createSmtpMailer(n.smtp, n.from, { configDir: loaded.configDir, env: io.env });
    } catch (err) {
      io.stdout.write(`${(err as Error).message}\n`);
      return 1;
    }
    try {
      await mailer.verify();
      io.stdout.write(`SMTP ${where}: connected${n.smtp.user ? ' and authenticated' : ''}\n`);
      if (values.to) {
        await mailer.send({
          to: values.to,
          subject: 'Portcullis test message',
          text: `This is a test message from the Portcullis gateway (${loaded.file}). Notification mail reaches this address.`,
          html: '<p>This is a test message from the Portcullis gateway. Notification mail reaches this address.</p>',
          messageId: `<mail-test-${Date.now()}@portcullis>`,
        });
        io.stdout.write(`test message sent to ${values.to}\n`);
      }
      return 0;
    } catch (err) {
      io.stdout.write(`SMTP ${where}: ${mailError(err)}\n`);
      return 1;
    } finally {
      mailer.close();
    }
  },
};

export const mailCommand: CliCommand = {
  name: 'mail',
  summary: 'Check the notification mail settings (SMTP).',
  subcommands: [testCommand],
};
