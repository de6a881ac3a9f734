#!/usr/bin/env node
// Runs the Node peers against each other (`npm run selftest`): grpc-js client ↔ grpc-js server (all cases),
// connect gRPC-Web client ↔ connect-node server (all cases), and a short benchmark. Proves the peers
// themselves are sound before a C# test blames our runtime. Exits non-zero if any step fails.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benchSeconds = '2';

/** Starts a server program on port 0 and resolves with its child process and the port it printed. */
function startServer(script) {
  const child = spawn(process.execPath, [path.join(here, script), '--port=0', '--max_seconds=300'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not report its port within 10 s`)), 10_000);
    child.once('exit', (code) => reject(new Error(`${script} exited early with ${code}`)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^listening on (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: match[1] });
      }
    });
  });
}

/** Runs a client program to completion with inherited output; resolves with its exit code. */
function run(script, args) {
  process.stdout.write(`\n$ node ${script} ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [path.join(here, script), ...args], { stdio: 'inherit' });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

const steps = [
  ['interop-server.mjs', (port) => [['interop-client.mjs', [`--server_port=${port}`, '--test_case=all']]]],
  ['web-server.mjs', (port) => [['web-client.mjs', [`--server_port=${port}`, '--test_case=all']]]],
  [
    'bench-server.mjs',
    (port) => [
      ['bench-client.mjs', [`--server_port=${port}`, '--mode=unary', `--seconds=${benchSeconds}`]],
      ['bench-client.mjs', [`--server_port=${port}`, '--mode=stream', `--seconds=${benchSeconds}`]],
    ],
  ],
];

let failed = 0;
let passed = 0;
for (const [serverScript, clients] of steps) {
  let server;
  try {
    server = await startServer(serverScript);
    for (const [script, args] of clients(server.port)) {
      if ((await run(script, args)) === 0) {
        passed++;
      } else {
        failed++;
      }
    }
  } catch (error) {
    failed++;
    process.stderr.write(`${serverScript}: ${error.message}\n`);
  } finally {
    server?.child.kill('SIGTERM');
  }
}
process.stdout.write(`\nselftest: ${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
