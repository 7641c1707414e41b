/**
 * Loopback TCP servers for tests that put something between the job and PostgreSQL (a proxy that
 * cuts or freezes the stream, a server that never answers): listening on a free port, keeping
 * track of every socket so that `close` ends them all.
 */
import net from 'node:net';

export interface TestServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1; `onConnection` gets each client and `track`, which registers a socket
 * (the client, an upstream connection) to be destroyed on close and ignores its errors.
 */
export async function testServer(
  onConnection: (client: net.Socket, track: (s: net.Socket) => void) => void,
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer((client) => onConnection(client, track));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
