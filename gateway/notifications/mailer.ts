import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpConfig } from '@portcullis/config/schema/notifications.js';
import { describeSecretRef, resolveSecret } from '@portcullis/config/secrets.js';
import { GatewayError } from '../errors.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** stable per outbox entry: a message sent twice after a crash has the same Message-ID */
  messageId: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** connect, say EHLO, upgrade to TLS, authenticate; throws what went wrong */
  verify(): Promise<void>;
  close(): void;
}

/**
 * SMTP through nodemailer. `starttls` requires the upgrade (a server that does not offer it,
 * or a stripped STARTTLS, fails instead of sending credentials in clear); `tls` is TLS from
 * the first byte; certificates are always verified, against `caFile` when given.
 */
export async function createSmtpMailer(smtp: SmtpConfig, from: string, options: { configDir: string; env?: NodeJS.ProcessEnv }): Promise<Mailer> {
  let ca: string | undefined;
  if (smtp.caFile) {
    const file = resolve(options.configDir, smtp.caFile);
    try {
      ca = await readFile(file, 'utf8');
    } catch (err) {
      throw new GatewayError('GW_CONFIG_INVALID', 500, `notifications.smtp.caFile: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  let pass: string | undefined;
  if (smtp.password) {
    try {
      pass = await resolveSecret(smtp.password, { configDir: options.configDir, env: options.env ?? process.env });
    } catch (err) {
      throw new GatewayError('GW_CONFIG_INVALID', 500, `notifications.smtp.password: ${describeSecretRef(smtp.password)} cannot be read (${(err as Error).message})`);
    }
  }
  const transport: Transporter = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    ...(smtp.user && pass !== undefined ? { auth: { user: smtp.user, pass } } : {}),
    tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) },
    connectionTimeout: smtp.connectionTimeoutMs,
    greetingTimeout: smtp.connectionTimeoutMs,
    socketTimeout: smtp.connectionTimeoutMs * 3,
    // one message per connection: simple, and a dead server is noticed per message
    pool: false,
  });
  return {
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html, messageId: message.messageId, headers: message.headers ?? {} });
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}

/** A failure as it may be logged: nodemailer's code and the server's reply, never the credentials. */
export function mailError(err: unknown): string {
  const e = err as { code?: string; responseCode?: number; message?: string };
  return [e.code, e.responseCode, e.message?.split('\n')[0]].filter((x) => x !== undefined && x !== '').join(' ');
}
