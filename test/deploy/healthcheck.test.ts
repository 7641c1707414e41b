/**
 * deploy/healthcheck.mjs, the image's HEALTHCHECK, run as Docker runs it (a child process)
 * against real sockets on loopback.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from './repo.js';

const dir = mkdtempSync(join(tmpdir(), 'mirt-hc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cmdline(...argv: string[]): string {
  const f = join(dir, `cmdline-${Math.random().toString(36).slice(2)}`);
  writeFileSync(f, `${argv.join('\0')}\0`);
  return f;
}

function check(file: string, env: Record<string, string> = {}): Promise<number | null> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'deploy/healthcheck.mjs'), '--cmdline', file], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: 'ignore',
    });
    p.on('exit', (code) => resolve(code));
  });
}

async function serve(status: number): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(req.url === '/health' ? status : 404).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

const SERVE = ['/usr/bin/tini', '--', 'node', 'dist/job/cli.js', 'serve'];

test('healthy service (200 on /health, port from --port): exit 0', async () => {
  const { server, port, paths } = await serve(200);
  try {
    assert.equal(await check(cmdline(...SERVE, '--port', String(port))), 0);
    assert.deepEqual(paths, ['/health']);
  } finally {
    server.close();
  }
});

test('port from PORT when the command has no --port', async () => {
  const { server, port } = await serve(200);
  try {
    assert.equal(await check(cmdline(...SERVE), { PORT: String(port) }), 0);
  } finally {
    server.close();
  }
});

test('unhealthy service (503): exit 1', async () => {
  const { server, port } = await serve(503);
  try {
    assert.equal(await check(cmdline(...SERVE, `--port=${port}`)), 1);
  } finally {
    server.close();
  }
});

test('nothing listening: exit 1', async () => {
  const { server, port } = await serve(200);
  await new Promise((r) => server.close(r));
  assert.equal(await check(cmdline(...SERVE, '--port', String(port))), 1);
});

test('a job or fit container has nothing to probe: exit 0', async () => {
  assert.equal(await check(cmdline('/usr/bin/tini', '--', 'node', 'dist/job/cli.js')), 0);
  assert.equal(await check(cmdline('node', 'dist/job/cli.js', 'fit', '--input', 'x.csv')), 0);
});
