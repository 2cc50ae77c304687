/**
 * `portcullis policy check FILE...` validates policy documents (YAML, JSON or BPMN 2.0 process
 * definitions) the way an engine loads them and prints every problem with document, line and
 * column or path; `portcullis policy explain` decides one operation for a user (on a process or
 * one of its tasks) and prints the explanation; `portcullis policy convert FILE.bpmn` prints the
 * YAML a BPMN file's tags and candidates amount to. Operators use them before handing
 * documents to an engine.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { loadPolicyDocuments, policyDocumentToYaml } from '@portcullis/policies/document.js';
import { isBpmnFileName, readBpmn } from '@portcullis/policies/bpmn.js';
import { toSources } from '@portcullis/engine-client/policy-files';
import { describeIssue, PolicyDocumentInvalidError, PolicyError } from '@portcullis/policies/errors.js';
import { formatExplanation } from '@portcullis/policies/explain.js';
import type { Policy } from '@portcullis/policies/policy.js';
import { UsageError, type CliCommand, type CliIO } from './command.js';
import { commaList, parseOptions } from './args.js';

async function load(files: string[], io: CliIO, options: { enabled?: boolean } = {}): Promise<Policy | undefined> {
  const texts = await Promise.all(files.map(async (f) => ({ name: basename(f), text: await readFile(resolve(io.cwd, f), 'utf8') })));
  try {
    return loadPolicyDocuments(await toSources(texts), options);
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
    for (const name of policy.resourceNames) {
      const r = policy.resource(name);
      io.stdout.write(`  resource ${name}: ${r.rules.length} rule(s)\n`);
      for (const task of r.tasks ?? []) io.stdout.write(`    task ${task}: ${policy.element({ resource: name, task }).rules.length} rule(s)\n`);
    }
    return 0;
  },
};

const explainCommand: CliCommand = {
  name: 'explain',
  summary: 'Decide one operation for a user on a resource and print why.',
  usage: 'policy explain FILE... --user U --resource R [--task T] --operation OP [--groups a,b] [--roles a,b] [--starter U] [--assignee U] [--var name=value]... [--candidates-only]',
  help: `FILEs are YAML / JSON policy documents or BPMN files (.bpmn, .bpmn20.xml), in any mix.
Options:
  -u, --user LOGIN        the subject
  -g, --groups a,b        its groups
  -r, --roles a,b         its roles (matched as groups: they are the same thing)
      --resource NAME     the resource or process definition (a BPMN process id)
  -t, --task KEY          a user task of that process (a BPMN userTask id)
  -o, --operation OP      e.g. START_PROCESS, READ_COMMENTS or reports:export
      --candidates-only   authorization.enabled=false: ignore tags, candidates only
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
        task: { type: 'string', short: 't' },
        operation: { type: 'string', short: 'o' },
        'candidates-only': { type: 'boolean' },
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
    const policy = await load(positionals, io, { enabled: values['candidates-only'] ? false : undefined });
    if (!policy) return 1;
    try {
      const decision = policy.decide(
        { loginId: values.user!, groups: commaList(values.groups), roles: commaList(values.roles) },
        { resource: values.resource!, task: values.task, starter: values.starter, assignee: values.assignee, variables },
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

const convertCommand: CliCommand = {
  name: 'convert',
  summary: 'Print the YAML policy a BPMN process definition amounts to.',
  usage: 'policy convert FILE.bpmn',
  help: `Reads the <neviswf:authorization> tags and activiti:candidate* attributes of every process
and user task and prints the same policy as YAML: loading either gives the same decisions.
Exit codes: 0 converted, 1 the file has problems (each printed with line and column), 2 usage error.`,
  async run(args, io) {
    const { positionals } = parseOptions(args, {}, { min: 1, max: 1, names: ['FILE'] });
    const file = positionals[0]!;
    if (!isBpmnFileName(file)) throw new UsageError(`${file} is not a BPMN file (.bpmn, .bpmn20.xml)`);
    const name = basename(file);
    const read = readBpmn({ name, text: await readFile(resolve(io.cwd, file), 'utf8') });
    if (!read.ok) {
      io.stdout.write(`${read.issues.length} problem${read.issues.length === 1 ? '' : 's'}\n`);
      for (const issue of read.issues) io.stdout.write(`${describeIssue(issue)} [${issue.code}]\n`);
      return 1;
    }
    // compile too, so operations on the wrong element are reported here and not at load
    const policy = await load([file], io);
    if (!policy) return 1;
    io.stdout.write(policyDocumentToYaml(read.named.document, `converted from ${name} by portcullis policy convert`));
    return 0;
  },
};

export const policyCommand: CliCommand = {
  name: 'policy',
  summary: 'Check policy documents and BPMN definitions, explain decisions, convert BPMN to YAML.',
  subcommands: [checkCommand, explainCommand, convertCommand],
};
