/**
 * `portcullis start`: load the configuration (or the embedded demo), apply command-line
 * overrides, start the gateway, and stop it cleanly on SIGINT/SIGTERM.
 */
import { loadConfig } from '@portcullis/config/loader.js';
import type { CliCommand, CliIO } from './command.js';
import { numberOrText, parseOptions } from './args.js';
import { formatBanner } from './banner.js';

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Start the gateway (the demo configuration when no --config is given).',
  usage: 'start [--config FILE] [--host H] [--port P] [--data-dir DIR]',
  help: `Options:
  -c, --config FILE   configuration file (YAML or JSON); default: $PORTCULLIS_CONFIG, else
                      the embedded demo (config/examples/demo.yaml)
      --host H        listen address (server.host)
  -p, --port P        listen port, 0 for a free one (server.port)
      --data-dir DIR  where generated keys and state live (server.dataDir)

Precedence: command-line options, then PORTCULLIS_* environment overrides, then the file.
Stops on SIGINT or SIGTERM after closing open connections.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      'data-dir': { type: 'string' },
    });
    const overrides: Array<{ path: string; value: unknown; source: string }> = [];
    if (values.host !== undefined) overrides.push({ path: 'server.host', value: values.host, source: '--host' });
    if (values.port !== undefined) overrides.push({ path: 'server.port', value: numberOrText(values.port), source: '--port' });
    if (values['data-dir'] !== undefined) overrides.push({ path: 'server.dataDir', value: values['data-dir'], source: '--data-dir' });

    const configPath = values.config ?? (io.env.PORTCULLIS_CONFIG || undefined);
    const loaded = await loadConfig(configPath, { env: io.env, cwd: io.cwd, overrides });
    for (const warning of loaded.warnings) io.stderr.write(`warning: ${warning.message} [${warning.code}]\n`);
    if (loaded.isDemo) io.stderr.write('note: no --config given: running the embedded demo configuration (demo users, public passwords)\n');

    const { startGateway } = await import('../server.js');
    const { resolve } = await import('node:path');
    const gateway = await startGateway(loaded.config, {
      configDir: loaded.configDir,
      // the data folder is relative to where the command runs, not to the config file
      dataDir: resolve(io.cwd, loaded.config.server.dataDir),
      env: io.env,
    });
    io.stdout.write(formatBanner(gateway, loaded.config, { file: loaded.file, isDemo: loaded.isDemo }));
    return waitForStop(gateway, io);
  },
};

/** Resolve with 0 once a signal has closed the gateway; a second signal forces the exit. */
function waitForStop(gateway: { close(): Promise<void> }, io: CliIO): Promise<number> {
  return new Promise((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        io.stderr.write(`${signal} again: exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      io.stderr.write(`${signal}: stopping the gateway\n`);
      gateway.close().then(
        () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolveExit(0);
        },
        (err: unknown) => {
          io.stderr.write(`error while stopping: ${(err as Error).message}\n`);
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
