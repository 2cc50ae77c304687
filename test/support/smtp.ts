import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedMail {
  /** the envelope's recipients */
  rcptTo: string[];
  mailFrom: string;
  /** the raw MIME text, for "no secret anywhere in it" */
  raw: string;
  parsed: ParsedMail;
  /** the user that authenticated, if any */
  user?: string;
}

export interface TestSmtpOptions {
  /** require AUTH with this user and password */
  auth?: { user: string; password: string };
  /** offer STARTTLS with this certificate (PEM files), or speak TLS from the first byte */
  tls?: { certFile: string; keyFile: string; implicit?: boolean };
  port?: number;
}

/**
 * A real SMTP server (the smtp-server package) on a loopback port that keeps every message it
 * accepts, parsed with mailparser. `stop()` then `start()` again on the same port plays an
 * SMTP outage.
 */
export class TestSmtp {
  readonly received: ReceivedMail[] = [];
  port = 0;
  #server: SMTPServer | undefined;
  readonly #options: TestSmtpOptions;
  #waiters: Array<() => void> = [];

  constructor(options: TestSmtpOptions = {}) {
    this.#options = options;
    this.port = options.port ?? 0;
  }

  async start(): Promise<number> {
    const { auth, tls } = this.#options;
    const config: SMTPServerOptions = {
      secure: tls?.implicit ?? false,
      disabledCommands: [...(auth ? [] : ['AUTH']), ...(tls ? [] : ['STARTTLS'])],
      authOptional: !auth,
      allowInsecureAuth: false,
      ...(tls ? { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) } : {}),
      logger: false,
      onAuth: (a, _session, callback) => {
        if (auth && a.username === auth.user && a.password === auth.password) return callback(null, { user: a.username });
        return callback(new Error('invalid credentials'));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          this.received.push({
            raw,
            parsed: await simpleParser(raw),
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            ...(session.user ? { user: String(session.user) } : {}),
          });
          for (const w of this.#waiters.splice(0)) w();
          callback();
        });
      },
    };
    this.#server = new SMTPServer(config);
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.#server.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** mail sent to this address */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.rcptTo.includes(address));
  }

  /** Wait until `predicate` holds over what arrived, or fail after `ms`. */
  async waitFor(predicate: (mails: ReceivedMail[]) => boolean, ms = 10_000, what = 'mail'): Promise<void> {
    const until = Date.now() + ms;
    while (!predicate(this.received)) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received ${this.received.length}: ${this.received.map((m) => `${m.rcptTo.join(',')} "${m.parsed.subject}"`).join('; ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
