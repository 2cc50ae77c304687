/**
 * What the vault commands share: the configuration, the durable store and the vault opened the
 * way the gateway opens them (same master key checks), and closed again after the command.
 */
import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig } from './gateway-config.js';
import type { CliIO } from './command.js';
import { createDurableStore } from '../durable/create-durable-store.js';
import { createVault } from '../vault/create-vault.js';
import type { Vault } from '../vault/vault.js';
import { GatewayError } from '../errors.js';

export async function withVault<T>(configFile: string | undefined, io: CliIO, work: (vault: Vault) => Promise<T>): Promise<T> {
  const loaded = await loadConfig(configFile, { env: io.env, cwd: io.cwd });
  const dataDir = resolve(io.cwd, loaded.config.server.dataDir);
  // audit lines of a command go to stderr as JSON, like the gateway's (never a value)
  const log: Logger = pino({ level: 'info', base: { component: 'cli' } }, { write: (line: string) => void io.stderr.write(line) });
  const durable = await createDurableStore(loaded.config, dataDir, { configDir: loaded.configDir, env: io.env, log });
  try {
    const vault = await createVault({ config: loaded.config, configDir: loaded.configDir, dataDir, log }, durable, io.env);
    if (!vault) throw new GatewayError('GW_VAULT_OFF', 404, 'the credentials vault is not configured (vault.masterKeys)');
    return await work(vault);
  } finally {
    await durable.close();
  }
}
