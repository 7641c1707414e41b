/**
 * Real servers on 127.0.0.1 for the remote calibrator's tests: a scripted node:http server
 * (answer n-th request as told, remembering what was sent) and a client with short delays.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { RemoteCalibrator } from '../../src/calibrators/remote.js';
import { TOKEN } from '../service/helpers.js';

export async function listen(server: Server | NetServer): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  if (!a || typeof a !== 'object') throw new Error('no address');
  return `http://127.0.0.1:${a.port}`;
}

export async function close(server: Server | NetServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** An http server whose n-th request (from 1) is answered by `answer(n, req, res, body)`. */
export async function scripted(
  answer: (n: number, req: IncomingMessage, res: ServerResponse, body: string) => unknown,
) {
  let n = 0;
  const seen: { path: string; auth: string | undefined; body: string }[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ path: req.url ?? '', auth: req.headers.authorization, body });
    await answer(++n, req, res, body);
  });
  const url = await listen(server);
  return { server, url, seen };
}

export function client(url: string, extra: Partial<ConstructorParameters<typeof RemoteCalibrator>[0]> = {}) {
  const lines: string[] = [];
  const c = new RemoteCalibrator({
    baseUrl: url,
    token: TOKEN,
    timeoutSecs: 60, // generous: the first call to our service starts a worker (tsx compiles it), slow on a loaded machine
    maxRetries: 3,
    retryDelaySecs: 0.01,
    log: (l) => lines.push(l),
    ...extra,
  });
  return { c, lines };
}

export function ok(res: ServerResponse, body: unknown) {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
