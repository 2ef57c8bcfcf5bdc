import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from './free-port.ts';

export interface SpawnedStack {
  baseUrl: string;
  ports: { port: number; dynamoDbPort: number; sqsPort: number };
  output: () => string;
  /** Sends SIGINT like Ctrl-C and resolves with the exit code. */
  interrupt: () => Promise<number | null>;
  process: ChildProcess;
}

const projectRoot = resolve(import.meta.dirname, '../..');

/**
 * Runs `npm start`'s entry point in its own process, as a developer would: handlers keep their SDK
 * clients at module scope, so each stack needs a process of its own.
 */
export async function spawnLocalStack(env: Record<string, string>): Promise<SpawnedStack> {
  const ports = { port: await freePort(), dynamoDbPort: await freePort(), sqsPort: await freePort() };
  const child = spawn(process.execPath, [resolve(projectRoot, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      PORT: String(ports.port),
      DYNAMODB_PORT: String(ports.dynamoDbPort),
      SQS_PORT: String(ports.sqsPort),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm start did not become ready:\n${output}`)), 45_000);
    const check = () => {
      if (output.includes('optgate ready')) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return {
    baseUrl: `http://localhost:${ports.port}`,
    ports,
    output: () => output,
    interrupt: async () => {
      child.kill('SIGINT');
      return exited;
    },
    process: child,
  };
}
