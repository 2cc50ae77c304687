/**
 * `portcullis policy check FILE...` validates policy documents (YAML or JSON) the way an engine
 * loads them and prints every problem with document, path and rule; `portcullis policy explain`
 * decides one operation for a user and prints the explanation: which rules applied, which
 * decided and why. Operators use both before handing documents to an engine.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { loadPolicyDocuments } from '@portcullis/policies/document.js';
import { describeIssue, PolicyDocumentInvalidError, PolicyError } from '@portcullis/policies/errors.js';
import { formatExplanation } from '@portcullis/policies/explain.js';
import type { Policy } from '@portcullis/policies/policy.js';
import { UsageError, type CliCommand, type CliIO } from './command.js';
import { commaList, parseOptions } from './args.js';

async function load(files: string[], io: CliIO): Promise<Policy | undefined> {
  const sources = await Promise.all(files.map(async (f) => ({ name: basename(f), text: await readFile(resolve(io.cwd, f), 'utf8') })));
  try {
    return loadPolicyDocuments(sources);
  } catch (err) {
    if (!(err instanceof PolicyDocumentInvalidError)) throw err;
    io.stdout.write(`${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}\n`);
    for (const issue of err.issues) io.stdout.write(`${describeIssue(issue)} [${issue.code}]\n`);
    return undefined;
  }
}

const checkCommand: CliCommand = {
  name: 'check',
  summary: 'Validate policy documents and print every problem with its document, path and rule.',
  usage: 'policy check FILE...',
  help: `Loads the documents together (an operation one registers is known to all). Exit codes:
0 valid (resources and rule counts are printed), 1 problems found, 2 usage error.`,
  async run(args, io) {
    const { positionals } = parseOptions(args, {}, { min: 1, max: 100, names: ['FILE'] });
    const policy = await load(positionals, io);
    if (!policy) return 1;
    io.stdout.write(`${positionals.length} document${positionals.length === 1 ? '' : 's'} valid\n`);
    for (const name of policy.resourceNames) io.stdout.write(`  resource ${name}: ${policy.resource(name).rules.length} rule(s)\n`);
    return 0;
  },
};

const explainCommand: CliCommand = {
  name: 'explain',
  summary: 'Decide one operation for a user on a resource and print why.',
  usage: 'policy explain FILE... --user U --resource R --operation OP [--groups a,b] [--roles a,b] [--starter U] [--assignee U] [--var name=value]...',
  help: `Options:
  -u, --user LOGIN        the subject
  -g, --groups a,b        its groups
  -r, --roles a,b         its roles
      --resource NAME     the resource (as the documents name it)
  -o, --operation OP      e.g. START_PROCESS or reports:export
      --starter LOGIN     who started the process instance (PROCESS_STARTER rules)
      --assignee LOGIN    who the task is assigned to (ASSIGNEE rules)
      --var NAME=VALUE    a resource variable for \${NAME} expressions; repeatable

Exit codes: 0 allowed, 3 denied, 1 invalid documents or unknown resource/operation, 2 usage error.`,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      {
        user: { type: 'string', short: 'u' },
        groups: { type: 'string', short: 'g' },
        roles: { type: 'string', short: 'r' },
        resource: { type: 'string' },
        operation: { type: 'string', short: 'o' },
        starter: { type: 'string' },
        assignee: { type: 'string' },
        var: { type: 'string', multiple: true },
      },
      { min: 1, max: 100, names: ['FILE'] },
    );
    for (const required of ['user', 'resource', 'operation'] as const) {
      if (!values[required]) throw new UsageError(`missing --${required}`);
    }
    const variables: Record<string, string> = {};
    for (const pair of values.var ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--var needs NAME=VALUE, got "${pair}"`);
      variables[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const policy = await load(positionals, io);
    if (!policy) return 1;
    try {
      const decision = policy.decide(
        { loginId: values.user!, groups: commaList(values.groups), roles: commaList(values.roles) },
        { resource: values.resource!, starter: values.starter, assignee: values.assignee, variables },
        values.operation!,
      );
      io.stdout.write(`${formatExplanation(decision)}\n`);
      return decision.allowed ? 0 : 3;
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      io.stdout.write(`${err.message} [${err.code}]\n`);
      return 1;
    }
  },
};

export const policyCommand: CliCommand = {
  name: 'policy',
  summary: 'Check policy documents and explain authorization decisions.',
  subcommands: [checkCommand, explainCommand],
};
