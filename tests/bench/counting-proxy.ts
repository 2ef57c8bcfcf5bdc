import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  endpoint: string;
  /** Requests by operation (the X-Amz-Target suffix: BatchGetItem, SendMessageBatch…). */
  counts: Map<string, number>;
  /** Total milliseconds spent per operation (request sent → response complete). */
  millis: Map<string, number>;
  total(): number;
  reset(): void;
  /**
   * Holds every request for a modelled network and service latency (ms, by operation) before
   * forwarding it; 0 (the default) forwards at once.
   */
  setLatency(latencyMs: (operation: string) => number): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of an emulator that counts the AWS API requests passing through it, by
 * operation: what the code under test really sent, SDK retries included, with no change to it.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts = new Map<string, number>();
  const millis = new Map<string, number>();
  let latencyMs: (operation: string) => number = () => 0;
  const server: Server = createServer((req, res) => {
    const targetHeader = String(req.headers['x-amz-target'] ?? 'unknown');
    const operation = targetHeader.split('.').pop() ?? targetHeader;
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const started = performance.now();
    res.on('finish', () => millis.set(operation, (millis.get(operation) ?? 0) + performance.now() - started));
    // The body is buffered while the request waits, then streamed on as before.
    req.pause();
    setTimeout(() => forward(req, res), latencyMs(operation));
  });
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstreamRequest = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstreamRequest.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstreamRequest);
    req.resume();
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    millis,
    total: () => [...counts.values()].reduce((sum, count) => sum + count, 0),
    reset: () => {
      counts.clear();
      millis.clear();
    },
    setLatency: (next) => {
      latencyMs = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
