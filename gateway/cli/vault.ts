/**
 * `portcullis vault rotate-key`: re-wrap every user's data key under the active master key.
 * Safe to interrupt (each data key is one atomic write) and to run again: it goes on where it
 * stopped. When no data key uses an old master key any more, it says that key can be removed.
 */
import type { CliCommand } from './command.js';
import { parseOptions } from './args.js';
import { withVault } from './vault-context.js';

const rotateCommand: CliCommand = {
  name: 'rotate-key',
  summary: 'Re-wrap every data key under the active master key (resumable).',
  usage: 'vault rotate-key [--config FILE]',
  help: `Configure the new master key first (first in vault.masterKeys, or vault.activeKey) and keep
the old one listed; then run this. When it reports that no data key uses the old key, remove it.`,
  async run(args, io) {
    const { values } = parseOptions(args, { config: { type: 'string', short: 'c' } });
    const { progress, active, configured } = await withVault(values.config, io, async (vault) => ({
      progress: await vault.rotate(),
      active: vault.activeKeyId,
      configured: vault.masterKeyIds,
    }));
    io.stdout.write(`re-wrapped ${progress.rewrapped} data keys under '${active}' (${progress.current} were already)\n`);
    for (const id of configured.filter((k) => k !== active)) {
      const left = progress.byKey[id] ?? 0;
      io.stdout.write(left === 0 ? `master key '${id}' wraps no data key any more: it can be removed\n` : `master key '${id}' still wraps ${left} data keys: run again\n`);
    }
    return 0;
  },
};

export const vaultCommand: CliCommand = {
  name: 'vault',
  summary: 'Maintain the credentials vault (master key rotation).',
  subcommands: [rotateCommand],
};
