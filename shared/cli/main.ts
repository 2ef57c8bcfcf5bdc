import { parseArgs } from 'node:util';
import { ApiError, createApiClient } from './api-client.ts';
import { eraseContact, formatReceipt } from './erase-command.ts';
import { exportConsent, formatExportSummary } from './export-command.ts';
import { formatImportSummary, importFile, MAX_CHUNK_ROWS } from './import-command.ts';

const USAGE = `optgate: import, export and erase consent data through the optgate API

Usage:
  optgate import <file.csv> [--chunk-size 1000]   import consent rows (columns: contact,channel,line,status,occurredAt,source,…)
  optgate export [--out file.csv] [--prefix +1202] [--page-size 500]
  optgate erase <contact>                          right to be forgotten; prints the receipt

Options:
  --url <url>       API base URL (env OPTGATE_URL; default http://localhost:3000)
  --key <key>       account API key (env OPTGATE_API_KEY)
  --json            print the summary as JSON on stdout
  --progress        show progress bars even when stderr is not a terminal
  --quiet           no progress bars
  -h, --help

Exit status: 0 done; 2 done, but some rows were rejected; 1 failed.`;

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
  progress: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  out: { type: 'string' },
  prefix: { type: 'string' },
  'chunk-size': { type: 'string', default: '1000' },
  'page-size': { type: 'string', default: '500' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs one command and returns the exit status; messages go to stdout (results) and stderr (errors, progress). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const apiKey = values.key ?? env.OPTGATE_API_KEY;
  if (!apiKey) {
    console.error('An API key is needed: --key <key> or OPTGATE_API_KEY');
    return 1;
  }
  const client = createApiClient({ baseUrl: values.url ?? env.OPTGATE_URL ?? 'http://localhost:3000', apiKey });
  const progress = !values.quiet && (values.progress || process.stderr.isTTY === true);
  const print = (summary: unknown, text: string) => console.log(values.json ? JSON.stringify(summary, null, 2) : text);

  try {
    switch (command) {
      case 'import': {
        const [file] = rest;
        if (!file || rest.length > 1) throw new UsageError('import takes one file: optgate import <file.csv>');
        const chunkRows = positiveInt(values['chunk-size'], '--chunk-size', MAX_CHUNK_ROWS);
        const summary = await importFile(client, file, { chunkRows, progress });
        print(summary, formatImportSummary(summary));
        return summary.rejected.length > 0 ? 2 : 0;
      }
      case 'export': {
        if (rest.length > 0) throw new UsageError('export takes no arguments (use --out file.csv)');
        const pageSize = positiveInt(values['page-size'], '--page-size', 2000);
        const summary = await exportConsent(client, { out: values.out, prefix: values.prefix, pageSize, progress });
        // With the CSV on stdout, the summary goes to stderr.
        if (values.out) print(summary, formatExportSummary(summary));
        else console.error(values.json ? JSON.stringify(summary) : formatExportSummary(summary));
        return 0;
      }
      case 'erase': {
        const [contact] = rest;
        if (!contact || rest.length > 1) throw new UsageError('erase takes one contact: optgate erase +15551230000');
        const receipt = await eraseContact(client, contact, { progress });
        print(receipt, formatReceipt(receipt));
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
    else if (error instanceof ApiError) console.error(`optgate ${command} failed: ${error.message} (${error.code})`);
    else console.error(`optgate ${command} failed: ${(error as Error).message}`);
    return 1;
  }
}

class UsageError extends Error {}

function positiveInt(value: string | undefined, name: string, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}`);
  return number;
}
