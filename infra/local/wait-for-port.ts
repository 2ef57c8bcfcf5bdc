import { connect } from 'node:net';

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await acceptsConnections(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Nothing answered on port ${port} within ${timeoutMs} ms`);
}

/** Fails fast with a clear message instead of an emulator's stack trace when a port is taken. */
export async function assertPortFree(port: number, name: string): Promise<void> {
  if (await acceptsConnections(port)) throw new Error(`${name} port ${port} is already in use: set ${name} to a free port`);
}
