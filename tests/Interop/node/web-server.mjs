#!/usr/bin/env node
// A real gRPC-Web server (@connectrpc/connect-node over HTTP/1.1) with the interop TestService's unary and
// server-streaming methods: the peer for our C# gRPC-Web client, and web-client.mjs's self-test target.
// Usage: node web-server.mjs --port=N [--max_seconds=600]     (prints "listening on <port>" when ready)
// connect has no grpc-web-text: text requests are re-encoded to binary and looped back through connect
// (the response base64-encoded piecewise, so mid-stream padding is exercised), like a text-capable proxy.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { TestService } from './gen/src/proto/grpc/testing/test_pb.js';
import { fail, intFlag, parseFlags, watchdog } from './lib/args.mjs';
import { Base64ChunkDecoder } from './lib/grpc-web-text.mjs';

const flags = parseFlags({ port: undefined, max_seconds: '600' });
const port = intFlag(flags, 'port', { max: 65535 });
watchdog(intFlag(flags, 'max_seconds'), 'web-server');

// Methods left out (client/bidi streaming, UnimplementedCall) are answered UNIMPLEMENTED by connect.
const testService = {
  emptyCall(_request, context) {
    echoMetadata(context);
    return {};
  },
  unaryCall(request, context) {
    echoMetadata(context);
    throwEchoedStatus(request);
    return { payload: { body: new Uint8Array(request.responseSize) } };
  },
  async *streamingOutputCall(request, context) {
    echoMetadata(context);
    for (const parameter of request.responseParameters) {
      if (parameter.intervalUs > 0) {
        await sleep(Math.ceil(parameter.intervalUs / 1000), undefined, { signal: context.signal });
      }
      yield { payload: { body: new Uint8Array(parameter.size) } };
    }
    throwEchoedStatus(request);
  },
};

// Echo Metadata; a -bin value is passed through in its (base64) wire form.
function echoMetadata(context) {
  const initial = context.requestHeader.get('x-grpc-test-echo-initial');
  if (initial !== null) {
    context.responseHeader.set('x-grpc-test-echo-initial', initial);
  }
  const trailing = context.requestHeader.get('x-grpc-test-echo-trailing-bin');
  if (trailing !== null) {
    context.responseTrailer.set('x-grpc-test-echo-trailing-bin', trailing);
  }
}

function throwEchoedStatus(request) {
  const status = request.responseStatus;
  if (status && status.code !== 0) {
    throw new ConnectError(status.message, status.code in Code ? status.code : Code.Unknown);
  }
}

const adapter = connectNodeAdapter({
  grpcWeb: true,
  grpc: false,
  connect: false,
  routes: (router) => router.service(TestService, testService),
});

const server = http.createServer((request, response) => {
  if ((request.headers['content-type'] ?? '').startsWith('application/grpc-web-text')) {
    serveText(request, response);
  } else {
    adapter(request, response);
  }
});

async function serveText(request, response) {
  try {
    const decoder = new Base64ChunkDecoder();
    const parts = [];
    for await (const chunk of request) {
      parts.push(decoder.push(chunk.toString('latin1')));
    }
    decoder.end();
    const body = Buffer.concat(parts);
    const headers = { ...request.headers, 'content-type': 'application/grpc-web+proto', 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    delete headers.accept;
    const upstream = http.request({ host: '127.0.0.1', port: server.address().port, method: 'POST', path: request.url, headers });
    upstream.on('response', (binary) => {
      const responseHeaders = { ...binary.headers };
      delete responseHeaders['content-length'];
      if (responseHeaders['content-type']?.startsWith('application/grpc-web')) {
        responseHeaders['content-type'] = 'application/grpc-web-text+proto';
      }
      response.writeHead(binary.statusCode, responseHeaders);
      // Each chunk is encoded on its own and its first byte separately, so padding ('=') always appears
      // mid-stream: the gRPC-Web spec allows that and clients must cope with it.
      binary.on('data', (chunk) => response.write(chunk.subarray(0, 1).toString('base64') + chunk.subarray(1).toString('base64')));
      binary.on('end', () => response.end());
    });
    upstream.on('error', (error) => response.destroy(error));
    upstream.end(body);
  } catch (error) {
    response.writeHead(400, { 'content-type': 'text/plain' }).end(error.message);
  }
}

server.on('error', (error) => fail(`web-server: ${error.message}`));
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening on ${server.address().port}\n`));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
