// Per-message compression for the interop programs, where grpc-js 1.14 has no public API for it.
//
// The interop cases need three things grpc-js does not expose:
//  - the server must know whether each request message arrived with the compressed flag set
//    (CompressedRequest: `expect_compressed`); grpc-js decompresses and hides the flag;
//  - the server must send a response message compressed when asked (CompressedResponse:
//    `response_compressed`); the grpc-js server always writes flag 0 and `grpc-encoding: identity`;
//  - the client must see whether each response message was compressed (server_compressed_unary asserts
//    the flag); the grpc-js client decompresses and hides the flag.
// Everything else (framing, HTTP/2, headers, decompression) stays grpc-js's own code. The hooks wrap three
// methods of grpc-js's (pinned) internals; `install` verifies they exist so an upgrade that moves them
// fails at start-up instead of silently weakening the tests.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const compressedBuffers = new WeakSet();
const compressedMarker = Symbol('interop.compressed');
let installed = false;

/** True when the decoded message `message` arrived in a frame with the compressed flag set. */
export function arrivedCompressed(message) {
  return message?.[compressedMarker] === true;
}

/** Marks a response object so the (hooked) grpc-js server sends its frame gzip-compressed. */
export function sendCompressed(message) {
  Object.defineProperty(message, compressedMarker, { value: true, enumerable: false });
  return message;
}

/**
 * Returns a copy of a grpc-js service definition whose deserializers carry the compressed flag recorded by
 * the hooks onto the decoded objects (as a non-enumerable symbol, invisible to protobuf encoding).
 */
export function withCompressionFlags(serviceDefinition) {
  const tag = (deserialize) => (buffer) => {
    const message = deserialize(buffer);
    if (compressedBuffers.has(buffer) && message !== null && typeof message === 'object') {
      Object.defineProperty(message, compressedMarker, { value: true, enumerable: false });
    }
    return message;
  };
  return Object.fromEntries(
    Object.entries(serviceDefinition).map(([name, method]) => [
      name,
      { ...method, requestDeserialize: tag(method.requestDeserialize), responseDeserialize: tag(method.responseDeserialize) },
    ]),
  );
}

export function installCompressionHooks() {
  if (installed) {
    return;
  }
  const { BaseServerInterceptingCall } = require('@grpc/grpc-js/build/src/server-interceptors.js');
  const { CompressionFilter } = require('@grpc/grpc-js/build/src/compression-filter.js');
  const server = BaseServerInterceptingCall?.prototype;
  const client = CompressionFilter?.prototype;
  for (const [owner, method] of [[server, 'decompressMessage'], [server, 'serializeMessage'], [client, 'receiveMessage']]) {
    if (typeof owner?.[method] !== 'function') {
      throw new Error(`grpc-js internals changed: ${method} not found; update lib/compression-flags.mjs`);
    }
  }

  // Server, inbound: `framed` still has its 5-byte prefix, whose first byte is the compressed flag.
  const decompress = server.decompressMessage;
  server.decompressMessage = async function decompressMessage(framed, encoding) {
    const payload = await decompress.call(this, framed, encoding);
    if (framed.readUInt8(0) === 1) {
      compressedBuffers.add(payload);
    }
    return payload;
  };

  // Server, outbound: re-frame a marked response as gzip with the flag set. The handler announces
  // `grpc-encoding: gzip` in its response headers (see test-service.mjs) because grpc-js defaults it to identity.
  const serialize = server.serializeMessage;
  server.serializeMessage = function serializeMessage(value) {
    const framed = serialize.call(this, value);
    if (value?.[compressedMarker] !== true) {
      return framed;
    }
    const compressed = gzipSync(framed.subarray(5));
    const output = Buffer.allocUnsafe(compressed.length + 5);
    output.writeUInt8(1, 0);
    output.writeUInt32BE(compressed.length, 1);
    compressed.copy(output, 5);
    return output;
  };

  // Client, inbound: the filter receives the framed message and returns the bare (inflated) payload.
  const receive = client.receiveMessage;
  client.receiveMessage = async function receiveMessage(message) {
    const framed = await message;
    const payload = await receive.call(this, Promise.resolve(framed));
    if (framed.readUInt8(0) === 1) {
      compressedBuffers.add(payload);
    }
    return payload;
  };
  installed = true;
}
