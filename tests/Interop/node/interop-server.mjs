#!/usr/bin/env node
// The standard gRPC interop server on @grpc/grpc-js: the real peer for our C# client's interop tests.
// Usage: node interop-server.mjs --port=N [--proto_root=DIR] [--max_seconds=600]
// Listens on 127.0.0.1 without TLS; --port=0 picks a free port. Prints "listening on <port>" once ready.
import grpc from '@grpc/grpc-js';
import { boolFlag, fail, intFlag, parseFlags, watchdog } from './lib/args.mjs';
import { installCompressionHooks, withCompressionFlags } from './lib/compression-flags.mjs';
import { loadTesting } from './lib/protos.mjs';
import { createTestService } from './lib/test-service.mjs';

const flags = parseFlags({ port: undefined, proto_root: '', use_tls: 'false', max_seconds: '600' });
const port = intFlag(flags, 'port', { max: 65535 });
if (boolFlag(flags, 'use_tls')) {
  fail('--use_tls=true is not supported: the interop tests run over h2c on loopback');
}
watchdog(intFlag(flags, 'max_seconds'), 'interop-server');

let testing;
try {
  installCompressionHooks();
  testing = loadTesting(flags.proto_root);
} catch (error) {
  fail(error.message);
}

// UnimplementedService is deliberately not registered (unimplemented_service), and TestService's
// UnimplementedCall has no handler, so grpc-js answers both with UNIMPLEMENTED.
const server = new grpc.Server();
server.addService(withCompressionFlags(testing.TestService.service), createTestService());
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
  if (error) {
    fail(`bind 127.0.0.1:${port} failed: ${error.message}`);
  }
  process.stdout.write(`listening on ${boundPort}\n`);
});

// Graceful stop on a signal, bounded: calls still running after 2 s are cut off.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.tryShutdown(() => process.exit(0));
    setTimeout(() => {
      server.forceShutdown();
      process.exit(0);
    }, 2000).unref();
  });
}
