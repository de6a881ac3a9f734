// Loads the standard gRPC interop protos with @grpc/proto-loader for the grpc-js programs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

// tests/Interop/node/lib → the shared fixtures beside the repository (../shared from the repo root).
const here = path.dirname(fileURLToPath(import.meta.url));
export const defaultProtoRoot = path.resolve(here, '..', '..', '..', '..', '..', 'shared', 'fixtures', 'grpc-testing-proto');

const testProto = 'src/proto/grpc/testing/test.proto';

/**
 * Returns the grpc.testing package as grpc-js service constructors. keepCase keeps the proto field names
 * (response_size) so the code reads like the interop descriptions; bytes stay Buffers.
 */
export function loadTesting(protoRoot) {
  const root = path.resolve(protoRoot || defaultProtoRoot);
  if (!existsSync(path.join(root, testProto))) {
    throw new Error(`interop protos not found under ${root} (pass --proto_root=<include root>)`);
  }
  const definition = protoLoader.loadSync(testProto, {
    includeDirs: [root],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).grpc.testing;
}
