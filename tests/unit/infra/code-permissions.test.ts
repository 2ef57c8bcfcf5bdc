import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, it, expect, beforeAll } from 'vitest';
import { FUNCTIONS, type FunctionDefinition } from '../../../shared/manifest.ts';
import { PROJECT_ROOT } from '../../../infra/cdk/optgate-function.ts';
import { permissionsFor } from '../../../infra/cdk/stateless-stack.ts';

/**
 * "No broader permission than its code uses", checked against the code rather than the manifest:
 * every handler is bundled once (esbuild, as the CDK app bundles it), and the AWS calls its own
 * source files can make — the SDK commands they construct — are turned into IAM actions. The
 * function's policy must grant exactly those: nothing the code cannot call (too broad), nothing
 * missing (AccessDenied in production, which the local stack would never show).
 */

/** SDK command → the IAM actions it is authorised as. A command missing here fails the test: add it. */
const COMMAND_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  GetCommand: ['dynamodb:GetItem'],
  GetItemCommand: ['dynamodb:GetItem'],
  BatchGetCommand: ['dynamodb:BatchGetItem'],
  BatchGetItemCommand: ['dynamodb:BatchGetItem'],
  QueryCommand: ['dynamodb:Query'],
  ScanCommand: ['dynamodb:Scan'],
  PutCommand: ['dynamodb:PutItem'],
  PutItemCommand: ['dynamodb:PutItem'],
  UpdateCommand: ['dynamodb:UpdateItem'],
  UpdateItemCommand: ['dynamodb:UpdateItem'],
  DeleteCommand: ['dynamodb:DeleteItem'],
  DeleteItemCommand: ['dynamodb:DeleteItem'],
  BatchWriteCommand: ['dynamodb:BatchWriteItem'],
  BatchWriteItemCommand: ['dynamodb:BatchWriteItem'],
  // Authorised per operation inside (see TRANSACTION_OPERATIONS).
  TransactWriteCommand: [],
  TransactWriteItemsCommand: [],
  TransactGetCommand: ['dynamodb:GetItem'],
  DescribeTableCommand: ['dynamodb:DescribeTable'],
  SendMessageCommand: ['sqs:SendMessage'],
  SendMessageBatchCommand: ['sqs:SendMessage'],
  GetQueueAttributesCommand: ['sqs:GetQueueAttributes'],
  PutEventsCommand: ['events:PutEvents'],
  SendEmailCommand: ['ses:SendEmail'],
  SendTextMessageCommand: ['sms-voice:SendTextMessage'],
  GetSecretValueCommand: ['secretsmanager:GetSecretValue'],
};

/** Clients used through a library that constructs the commands itself. */
const LIBRARY_ACTIONS: readonly { pattern: RegExp; actions: readonly string[] }[] = [
  // Powertools Parameters: SecretsProvider.get → GetSecretValue.
  { pattern: /new SecretsProvider\(/, actions: ['secretsmanager:GetSecretValue'] },
];

/** Items of a TransactWriteItems request and the action each is authorised as. */
const TRANSACTION_OPERATIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

interface CodeUse {
  actions: Set<string>;
  unknownCommands: Set<string>;
  files: string[];
}

let uses: Map<string, CodeUse>;

beforeAll(async () => {
  const entryPoints = Object.fromEntries(FUNCTIONS.map((fn) => [fn.name, path.join(PROJECT_ROOT, fn.entry)]));
  const result = await build({
    entryPoints,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    outdir: path.join(PROJECT_ROOT, 'cdk.out', 'code-permissions'),
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'silent',
  });
  uses = new Map(FUNCTIONS.map((fn) => [fn.name, analyse(result.metafile, fn.name)]));
}, 120_000);

/** The project's own files that made it into the function's bundle (tree-shaken away = cannot run). */
function analyse(metafile: Metafile, name: string): CodeUse {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint && path.basename(path.dirname(candidate.entryPoint)) === name);
  if (!output) throw new Error(`no bundle for ${name}`);
  const files = Object.entries(output.inputs)
    .filter(([file, input]) => input.bytesInOutput > 0 && !file.startsWith('node_modules/'))
    .map(([file]) => file);
  const use: CodeUse = { actions: new Set(), unknownCommands: new Set(), files };
  let transactions = false;
  const operations = new Set<string>();
  for (const file of files) {
    const source = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
    for (const [, command = ''] of source.matchAll(/new (\w+Command)\(/g)) {
      const actions = COMMAND_ACTIONS[command];
      if (!actions) use.unknownCommands.add(command);
      else for (const action of actions) use.actions.add(action);
      if (command.startsWith('TransactWrite')) transactions = true;
    }
    for (const { pattern, actions } of LIBRARY_ACTIONS) if (pattern.test(source)) for (const action of actions) use.actions.add(action);
    for (const [, operation = ''] of source.matchAll(/\b(Put|Update|Delete|ConditionCheck):\s*\{/g)) operations.add(operation);
  }
  if (transactions) for (const operation of operations) use.actions.add(TRANSACTION_OPERATIONS[operation] ?? operation);
  return use;
}

/** What the function's own code is granted (not the event source's or Lambda's own grants). */
const grantedToCode = (fn: FunctionDefinition): string[] =>
  [...new Set(permissionsFor(fn).filter((p) => p.grantedBy === 'policy').flatMap((p) => [...p.actions]))].sort();

const used = (name: string): CodeUse => {
  const use = uses.get(name);
  if (!use) throw new Error(`no analysis for ${name}`);
  return use;
};

describe('manifest permissions against the code', () => {
  it.each(FUNCTIONS.map((fn) => [fn.name, fn] as const))('%s: granted exactly the AWS actions its code can call', (name, fn) => {
    const use = used(name);
    expect([...use.unknownCommands], 'SDK commands without an IAM mapping in this test').toEqual([]);
    expect(grantedToCode(fn)).toEqual([...use.actions].sort());
  });

  it('finds what it should: the gate sends in batches and never deletes, the health check only describes', () => {
    expect([...used('outbound-gate').actions]).toEqual(expect.arrayContaining(['sqs:SendMessage', 'dynamodb:BatchGetItem', 'dynamodb:PutItem']));
    expect([...used('outbound-gate').actions]).not.toContain('dynamodb:DeleteItem');
    expect([...used('health').actions].sort()).toEqual(['dynamodb:DescribeTable', 'sqs:GetQueueAttributes']);
    expect([...used('openapi').actions]).toEqual([]);
    expect([...used('forms').actions]).toEqual(expect.arrayContaining(['ses:SendEmail', 'events:PutEvents', 'secretsmanager:GetSecretValue']));
  });

  it('keeps the account APIs apart by what they may do: reports only read, only admin and data delete, only consent and import publish', () => {
    expect([...used('reports-api').actions].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    // Deleting is a line's removal (admin-api) and erasure (data-api); setting consent, sending checks and imports never delete.
    const deleters = ['admin-api', 'consent-api', 'sending-api', 'reports-api', 'data-api', 'import-api'].filter((name) => used(name).actions.has('dynamodb:DeleteItem'));
    expect(deleters).toEqual(['admin-api', 'data-api']);
    expect([...used('import-api').actions]).not.toContain('dynamodb:BatchWriteItem');
    const publishers = ['admin-api', 'consent-api', 'sending-api', 'reports-api', 'data-api', 'import-api'].filter((name) => used(name).actions.has('events:PutEvents'));
    expect(publishers).toEqual(['consent-api', 'import-api']);
  });

  it('never scans the table', () => {
    for (const fn of FUNCTIONS) expect([...used(fn.name).actions], fn.name).not.toContain('dynamodb:Scan');
  });
});
