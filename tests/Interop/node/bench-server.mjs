#!/usr/bin/env node
// Benchmark peer: a lean @grpc/grpc-js TestService (no metadata echo, no compression hooks) so the numbers
// measure the transport. Same semantics as the interop server for the methods it has:
// UnaryCall answers response_size zero bytes; StreamingOutputCall streams one response per response_parameters entry.
// Usage: node bench-server.mjs --port=N [--proto_root=DIR] [--max_seconds=600]   (prints "listening on <port>")
import grpc from '@grpc/grpc-js';
import { fail, intFlag, parseFlags, watchdog } from './lib/args.mjs';
import { loadTesting } from './lib/protos.mjs';

const flags = parseFlags({ port: undefined, proto_root: '', max_seconds: '600' });
const port = intFlag(flags, 'port', { max: 65535 });
watchdog(intFlag(flags, 'max_seconds'), 'bench-server');

let testing;
try {
  testing = loadTesting(flags.proto_root);
} catch (error) {
  fail(error.message);
}

// Responses are immutable here, so one zero buffer per size serves every call.
const zeroBodies = new Map();
function payload(size) {
  let body = zeroBodies.get(size);
  if (!body) {
    body = Buffer.alloc(size);
    zeroBodies.set(size, body);
  }
  return { type: 'COMPRESSABLE', body };
}

const server = new grpc.Server();
server.addService(testing.TestService.service, {
  EmptyCall(_call, callback) {
    callback(null, {});
  },
  UnaryCall(call, callback) {
    callback(null, { payload: payload(call.request.response_size) });
  },
  async StreamingOutputCall(call) {
    for (const parameter of call.request.response_parameters) {
      if (call.cancelled) {
        return;
      }
      // Respect backpressure: wait for grpc-js to drain instead of buffering the whole stream in memory.
      if (!call.write({ payload: payload(parameter.size) })) {
        await new Promise((resolve) => {
          const done = () => {
            call.off('drain', done);
            call.off('cancelled', done);
            resolve();
          };
          call.on('drain', done);
          call.on('cancelled', done);
        });
      }
    }
    call.end();
  },
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
  if (error) {
    fail(`bind 127.0.0.1:${port} failed: ${error.message}`);
  }
  process.stdout.write(`listening on ${boundPort}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.forceShutdown();
    process.exit(0);
  });
}
