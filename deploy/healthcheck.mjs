// Docker HEALTHCHECK of the mirt-calibrate image: GET http://127.0.0.1:<port>/health must answer 200.
// The port is the container command's --port, else PORT, else PLUMBER_PORT, else 8000 (as `serve`).
// The image also runs the batch job and `fit`: when PID 1 is not `... serve` there is nothing to
// probe and the check passes.
//   node deploy/healthcheck.mjs [--cmdline FILE]   (FILE: default /proc/1/cmdline; tests pass their own)
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

function containerCommand(file) {
  try {
    return readFileSync(file, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null; // cannot tell: probe anyway
  }
}

function portOf(args, env) {
  for (let i = 0; args && i < args.length; i++) {
    if (args[i] === '--port' && args[i + 1]) return Number(args[i + 1]);
    if (args[i].startsWith('--port=')) return Number(args[i].slice(7));
  }
  return Number(env.PORT || env.PLUMBER_PORT || 8000);
}

function probe(port, timeoutMs) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

const i = process.argv.indexOf('--cmdline');
const args = containerCommand(i > 0 ? process.argv[i + 1] : '/proc/1/cmdline');
if (args && !args.includes('serve')) process.exit(0);
process.exit((await probe(portOf(args, process.env), 4000)) ? 0 : 1);
