/**
 * `portcullis check-config FILE`: validate a configuration without starting anything.
 * Prints every problem as `path: message` (e.g. `routes[1].upstream: must be a URL`) and
 * exits 1; prints a short summary and exits 0 when the file is good. Besides the schema it
 * reads each file authenticator's users file, so a broken users file is found before start.
 */
import { resolve } from 'node:path';
import { ConfigError, formatProblem } from '@portcullis/config/errors.js';
import type { ConfigProblem } from '@portcullis/config/errors.js';
import { loadConfig } from './gateway-config.js';
import type { LoadedConfig } from './gateway-config.js';
import { UsersFileError } from '../users/errors.js';
import { readUsersFile } from '../users/users-file.js';
import type { CliCommand, CliIO } from './command.js';
import { parseOptions } from './args.js';
import { explainRoutes, writeExplanation } from './routes.js';

/** Problems found outside the schema: users files of file authenticators. */
async function checkUsersFiles(loaded: LoadedConfig): Promise<{ problems: ConfigProblem[]; userCounts: Map<number, number> }> {
  const problems: ConfigProblem[] = [];
  const userCounts = new Map<number, number>();
  for (const [i, authenticator] of loaded.config.authenticators.entries()) {
    if (authenticator.type !== 'file') continue;
    const path = `authenticators[${i}].usersFile`;
    const file = resolve(loaded.configDir, authenticator.usersFile);
    try {
      userCounts.set(i, Object.keys((await readUsersFile(file)).users).length);
    } catch (err) {
      if (!(err instanceof UsersFileError)) throw err;
      if (err.problems.length === 0) problems.push({ path, message: err.message });
      for (const p of err.problems) problems.push({ path, message: `${file}: ${formatProblem(p)}` });
    }
  }
  return { problems, userCounts };
}

/**
 * Build every authenticator as start does (certificate, metadata and key files read, nothing
 * listens or connects), then close them again: a file that start cannot read is found here.
 */
async function checkAuthenticators(loaded: LoadedConfig): Promise<ConfigProblem[]> {
  const { createAuthenticators } = await import('../authenticators/registry.js');
  const { MemoryStore } = await import('../sessions/memory-store.js');
  const { createLogger } = await import('../logger.js');
  const store = new MemoryStore({ maxEntries: 1000 });
  const { config } = loaded;
  try {
    const built = await createAuthenticators(config.authenticators, {
      configDir: loaded.configDir,
      dataDir: resolve(loaded.configDir, config.server.dataDir),
      publicUrl: config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`,
      log: createLogger('silent'),
      sharedStore: store,
      loginThrottle: config.loginThrottle,
    });
    for (const a of built) await a.close?.();
    return [];
  } catch (err) {
    const message = (err as Error).message;
    if (typeof (err as { code?: unknown }).code !== 'string') throw err;
    // coded setup errors start with the option path: "authenticators[1].listen.certFile: cannot read ..."
    const at = /^([A-Za-z0-9_.[\]-]+): (.*)$/s.exec(message);
    return [at ? { path: at[1]!, message: at[2]! } : { path: 'authenticators', message }];
  } finally {
    await store.close();
  }
}

/**
 * What start refuses about approvals and mail beyond the schema: approval rules on routes
 * without an upstream, approver modules that do not load, mail templates that do not compile.
 */
async function checkApprovalsAndMail(loaded: LoadedConfig): Promise<ConfigProblem[]> {
  const { loadApprovalModules } = await import('../approvals/setup-approvals.js');
  const { TemplateCatalogue } = await import('../notifications/template-catalogue.js');
  const n = loaded.config.notifications;
  try {
    await loadApprovalModules(loaded.config, loaded.configDir);
    if (n.enabled) await TemplateCatalogue.load({ ...(n.templatesDir ? { dir: n.templatesDir } : {}), configDir: loaded.configDir, defaultLanguage: n.defaultLanguage });
    return [];
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'GW_CONFIG_INVALID') throw err;
    const message = (err as Error).message;
    const at = /^([A-Za-z0-9_.[\]-]+): (.*)$/s.exec(message);
    return [at ? { path: at[1]!, message: at[2]! } : { path: 'notifications', message }];
  }
}

/** The pages' branding and templates, checked as start checks them (contrast, logo file, every template). */
async function checkPages(loaded: LoadedConfig): Promise<ConfigProblem[]> {
  const { resolveBranding } = await import('../pages/branding.js');
  const { loadTemplates } = await import('../pages/templates.js');
  const { createLogger } = await import('../logger.js');
  const { pages } = loaded.config;
  try {
    await resolveBranding(pages, loaded.configDir, createLogger('silent'));
    await loadTemplates(pages.templatesDir ? resolve(loaded.configDir, pages.templatesDir) : undefined);
    return [];
  } catch (err) {
    const e = err as { code?: unknown; message: string };
    if (e.code !== 'GW_TEMPLATE_INVALID' && e.code !== 'GW_BRANDING_INVALID') throw err;
    const at = /^(pages\.[A-Za-z.]+): (.*)$/s.exec(e.message);
    return [at ? { path: at[1]!, message: at[2]! } : { path: 'pages.templatesDir', message: e.message }];
  }
}

function summary(loaded: LoadedConfig, userCounts: Map<number, number>): string[] {
  const { config } = loaded;
  const lines = [`${loaded.file}: configuration is valid`];
  lines.push(`  server          ${config.server.host}:${config.server.port}${config.server.publicUrl ? ` (public ${config.server.publicUrl})` : ''}`);
  lines.push(`  session store   ${config.session.store}`);
  config.authenticators.forEach((a, i) => {
    const users = userCounts.has(i) ? `, ${userCounts.get(i)} user(s)` : '';
    lines.push(`  authenticator   ${a.name} (${a.type}${users})`);
  });
  for (const r of config.routes) lines.push(`  route           ${r.name} ${r.prefix} → ${r.upstream ?? 'forward authentication only'}`);
  if (config.routes.length === 0) lines.push('  routes          none');
  return lines;
}

function printProblems(io: CliIO, file: string, problems: readonly ConfigProblem[]): void {
  io.stdout.write(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
  for (const p of problems) io.stdout.write(`${formatProblem(p)}\n`);
}

export const checkConfigCommand: CliCommand = {
  name: 'check-config',
  summary: 'Validate a configuration file and print every problem with its option path.',
  usage: 'check-config FILE [--skip-secrets]',
  help: `Checks FILE (YAML or JSON) as \`portcullis start --config FILE\` would load it, with the
PORTCULLIS_* environment overrides applied, and that every secret reference (env://, file://)
resolves and every users file of a file authenticator is valid.

Options:
  --skip-secrets   do not resolve env:// and file:// secret references (for checking a file
                   where its secrets are not available, e.g. in CI)
  --explain        also build every route's filter chain and print it in execution order,
                   with why each filter is there (the same as \`portcullis routes\`)

Exit codes: 0 valid (a summary is printed), 1 problems found (one "path: message" line each),
2 usage error.`,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, { 'skip-secrets': { type: 'boolean' }, explain: { type: 'boolean' } }, { min: 1, max: 1, names: ['FILE'] });
    const file = positionals[0]!;
    let loaded: LoadedConfig;
    try {
      loaded = await loadConfig(file, { env: io.env, cwd: io.cwd, checkSecrets: !values['skip-secrets'] });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (err.code === 'CONFIG_INVALID') printProblems(io, err.file ?? file, err.problems);
      else io.stdout.write(`${err.message} [${err.code}]\n`);
      return 1;
    }
    for (const warning of loaded.warnings) io.stdout.write(`warning: ${warning.message} [${warning.code}]\n`);
    const { problems, userCounts } = await checkUsersFiles(loaded);
    if (problems.length === 0) problems.push(...(await checkAuthenticators(loaded)));
    problems.push(...(await checkPages(loaded)));
    // every chain is built as start builds it: operator filter modules, policy documents of authorize
    try {
      await explainRoutes(loaded);
    } catch (err) {
      const e = err as { code?: string; path?: string; message: string };
      if (!e.code?.startsWith('FILTER_') || !e.path) throw err;
      problems.push({ path: e.path, message: e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message });
    }
    if (problems.length === 0) problems.push(...(await checkApprovalsAndMail(loaded)));
    if (problems.length > 0) {
      printProblems(io, loaded.file, problems);
      return 1;
    }
    io.stdout.write(`${summary(loaded, userCounts).join('\n')}\n`);
    if (values.explain) return writeExplanation(io, loaded, '');
    return 0;
  },
};

