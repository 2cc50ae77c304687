/**
 * `portcullis certs`: a local CA, a server certificate and client certificates for
 * development and tests, with the system openssl. Ready to be listed in gateway/cli/commands.ts.
 */
import { join, resolve } from 'node:path';
import { DEFAULTS } from '@portcullis/config/defaults.js';
import { parseOptions } from '../cli/args.js';
import { UsageError, type CliCommand } from '../cli/command.js';
import { createDevCertificates } from './dev-certificates.js';

export const certsCommand: CliCommand = {
  name: 'certs',
  summary: 'Create a development CA, server certificate and client certificates (mTLS).',
  usage: 'certs [--dir DIR] [--host NAME]... [--client NAME]... [--days N] [--force]',
  help: `Options:
  -d, --dir DIR      output folder; default ${DEFAULTS.server.dataDir}/certs (the gateway's data folder)
  -H, --host NAME    a name or address of the server certificate (repeatable);
                     default localhost, 127.0.0.1 and ::1
  -c, --client NAME  a client certificate client-NAME.crt/.key with CN=NAME (repeatable)
      --days N       validity of new certificates; default 365
      --force        issue everything anew (otherwise existing files are kept, so
                     fingerprints already in a configuration stay valid)

Writes ca.crt/ca.key, server.crt/server.key and client-NAME.crt/.key (keys mode 0600) and
prints each client's subject and SHA-256 fingerprint for the mtls authenticator's users.
Development only: the CA key sits next to the certificates.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      dir: { type: 'string', short: 'd' },
      host: { type: 'string', short: 'H', multiple: true },
      client: { type: 'string', short: 'c', multiple: true },
      days: { type: 'string' },
      force: { type: 'boolean', default: false },
    });
    const days = values.days === undefined ? undefined : Number(values.days);
    if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new UsageError(`--days must be a positive whole number (got "${values.days}")`);
    const dir = resolve(io.cwd, values.dir ?? join(DEFAULTS.server.dataDir, 'certs'));
    const result = await createDevCertificates({ dir, hosts: values.host, clients: values.client ?? [], days, force: values.force });
    const state = (created: boolean) => (created ? 'created' : 'kept   ');
    io.stdout.write(`certificates in ${result.dir}\n`);
    io.stdout.write(`  ${state(result.ca.created)} ca.crt      ${result.ca.subject.replace(/\n/g, ', ')}\n`);
    io.stdout.write(`  ${state(result.server.created)} server.crt  ${result.server.subject.replace(/\n/g, ', ')} (until ${result.server.validTo})\n`);
    for (const [name, c] of Object.entries(result.clients)) {
      io.stdout.write(`  ${state(c.created)} client-${name}.crt  ${c.subject.replace(/\n/g, ', ')}\n      sha256 ${c.fingerprint256}\n`);
    }
    return 0;
  },
};
