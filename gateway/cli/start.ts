/**
 * `portcullis start`: load the configuration (or the embedded demo), apply command-line
 * overrides, start the gateway, and stop it cleanly on SIGINT/SIGTERM.
 */
import { loadConfig } from './gateway-config.js';
import type { CliCommand, CliIO } from './command.js';
import { numberOrText, parseOptions } from './args.js';
import { formatBanner } from './banner.js';
import type { PortcullisConfig } from '@portcullis/config/schema/index.js';
import type { RunningGateway } from '../server.js';
import { AUDIT_EVENTS } from '../ops/audit-events.js';

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
On SIGTERM or SIGINT, /readyz turns red, in-flight requests get server.shutdown.drainTimeoutSeconds
to finish, then the gateway exits. SIGHUP reloads the configuration file (users, keys,
certificates with it); a configuration that does not load is refused and the running one stays.`,
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
    const reloadConfig = async () => (await loadConfig(configPath, { env: io.env, cwd: io.cwd, overrides })).config;
    // the signal handlers are in place before the banner says the gateway is up
    const stopped = waitForStop(gateway, io, reloadConfig);
    // stdout carries only JSON log lines; the human banner goes to stderr
    io.stderr.write(formatBanner(gateway, loaded.config, { file: loaded.file, isDemo: loaded.isDemo }));
    return stopped;
  },
};

/**
 * SIGTERM/SIGINT: readiness red, drain with the configured bound, exit 0. A second signal
 * exits at once. SIGHUP: load the configuration file again and swap it in; a broken file
 * is logged and the running configuration stays.
 */
function waitForStop(gateway: RunningGateway, io: CliIO, reloadConfig: () => Promise<PortcullisConfig>): Promise<number> {
  return new Promise((resolveExit) => {
    let stopping = false;
    let reloading: Promise<unknown> = Promise.resolve();
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        io.stderr.write(`${signal} again: exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      io.stderr.write(`${signal}: stopping the gateway\n`);
      gateway.shutdown().then(
        (report) => {
          io.stderr.write(`stopped: drained in ${report.elapsedMs} ms, ${report.cut} request(s) cut\n`);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          process.off('SIGHUP', reload);
          // a socket to a silent engine can outlive the drain inside the proxy's pool: the
          // process ends anyway, shortly after the log is flushed (unref: an idle loop exits sooner)
          setTimeout(() => process.exit(0), 200).unref();
          resolveExit(0);
        },
        (err: unknown) => {
          io.stderr.write(`error while stopping: ${(err as Error).message}\n`);
          resolveExit(1);
        },
      );
    };
    const reload = () => {
      if (stopping) return;
      // one reload at a time; a SIGHUP during a reload runs after it
      reloading = reloading.then(async () => {
        let config: PortcullisConfig;
        try {
          config = await reloadConfig();
        } catch (err) {
          gateway.context.log.error(
            { event: AUDIT_EVENTS.configReload, result: 'refused', code: (err as { code?: string }).code, problems: (err as { problems?: unknown }).problems },
            `configuration reload refused: ${(err as Error).message.split('\n')[0]}; the running configuration stays`,
          );
          return;
        }
        await gateway.reload(config);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', reload);
  });
}
