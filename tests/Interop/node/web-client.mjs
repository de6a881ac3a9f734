#!/usr/bin/env node
// A gRPC-Web interop client: @connectrpc/connect's gRPC-Web transport (connect-node, HTTP/1.1, binary
// application/grpc-web+proto) for the standard cases, plus hand-made application/grpc-web-text requests over
// Node's fetch for text mode, which connect does not implement.
// Usage: node web-client.mjs --server_host=H --server_port=P --test_case=NAME|all [--max_seconds=120]
// Prints "PASS <case> (<ms> ms)" per case; exits 0 only if every requested case passed.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, decodeBinaryHeader, encodeBinaryHeader } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-node';
import {
  SimpleRequestSchema,
  SimpleResponseSchema,
  StreamingOutputCallRequestSchema,
  StreamingOutputCallResponseSchema,
} from './gen/src/proto/grpc/testing/messages_pb.js';
import { TestService, UnimplementedService } from './gen/src/proto/grpc/testing/test_pb.js';
import { fail, intFlag, parseFlags, watchdog } from './lib/args.mjs';
import { check, CheckFailure, checkZeros, runCases, selectCases } from './lib/cases.mjs';
import { Base64ChunkDecoder, frame, parseFrames } from './lib/grpc-web-text.mjs';

const callTimeoutMs = 15_000;
const echoInitialValue = 'test_initial_metadata_value';
const echoTrailingValue = new Uint8Array([0xab, 0xab, 0xab]);
const specialMessage = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n';

const flags = parseFlags({ server_host: '127.0.0.1', server_port: undefined, test_case: undefined, max_seconds: '120' });
watchdog(intFlag(flags, 'max_seconds'), 'web-client');
const baseUrl = `http://${flags.server_host}:${intFlag(flags, 'server_port', { min: 1, max: 65535 })}`;

const testCases = {
  empty_unary: emptyUnary,
  large_unary: largeUnary,
  server_streaming: serverStreaming,
  custom_metadata: customMetadata,
  status_code_and_message: statusCodeAndMessage,
  special_status_message: specialStatusMessage,
  unimplemented_method: unimplementedMethod,
  unimplemented_service: unimplementedService,
  web_text_unary: webTextUnary,
  web_text_server_streaming: webTextServerStreaming,
};
const selected = selectCases(testCases, flags.test_case, fail);

const transport = createGrpcWebTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true, defaultTimeoutMs: callTimeoutMs });
const client = createClient(TestService, transport);
const unimplementedClient = createClient(UnimplementedService, transport);

const failures = await runCases(testCases, selected);
process.exit(failures === 0 ? 0 : 1);

// ---- binary gRPC-Web through connect ----

async function emptyUnary() {
  const response = await client.emptyCall({});
  check(response !== null && typeof response === 'object', 'EmptyCall returned no message');
}

async function largeUnary() {
  const response = await client.unaryCall(largeRequest());
  checkZeros(response.payload?.body, 314159);
}

async function serverStreaming() {
  const sizes = [31415, 9, 2653, 58979];
  const responses = [];
  for await (const response of client.streamingOutputCall({ responseParameters: sizes.map((size) => ({ size })) })) {
    responses.push(response);
  }
  check(responses.length === sizes.length, `got ${responses.length} responses, expected ${sizes.length}`);
  responses.forEach((response, i) => checkZeros(response.payload?.body, sizes[i], `response ${i} payload`));
}

async function customMetadata() {
  let headers = null;
  let trailers = null;
  const response = await client.unaryCall(largeRequest(), {
    headers: echoRequestHeaders(),
    onHeader: (h) => {
      headers = h;
    },
    onTrailer: (t) => {
      trailers = t;
    },
  });
  checkZeros(response.payload?.body, 314159);
  checkEchoedMetadata(headers?.get('x-grpc-test-echo-initial'), trailers?.get('x-grpc-test-echo-trailing-bin'));
}

// gRPC-Web has no bidi streams, so the FullDuplexCall half of the standard case does not apply.
async function statusCodeAndMessage() {
  await expectError(client.unaryCall({ responseStatus: { code: 2, message: 'test status message' } }), Code.Unknown, 'test status message');
}

async function specialStatusMessage() {
  await expectError(client.unaryCall({ responseStatus: { code: 2, message: specialMessage } }), Code.Unknown, specialMessage);
}

async function unimplementedMethod() {
  await expectError(client.unimplementedCall({}), Code.Unimplemented);
}

async function unimplementedService() {
  await expectError(unimplementedClient.unimplementedCall({}), Code.Unimplemented);
}

// ---- grpc-web-text by hand ----

// large_unary in text mode, with the echo headers so the -bin trailer travels inside the base64 trailer frame.
async function webTextUnary() {
  const request = toBinary(SimpleRequestSchema, create(SimpleRequestSchema, largeRequest()));
  const { headers, messages, trailers } = await textCall('UnaryCall', request, echoRequestHeaders());
  checkOk(trailers);
  check(messages.length === 1, `got ${messages.length} messages, expected 1`);
  checkZeros(fromBinary(SimpleResponseSchema, messages[0]).payload?.body, 314159);
  checkEchoedMetadata(headers.get('x-grpc-test-echo-initial'), trailers.get('x-grpc-test-echo-trailing-bin'));
}

async function webTextServerStreaming() {
  const sizes = [31415, 9, 2653, 58979];
  const request = toBinary(
    StreamingOutputCallRequestSchema,
    create(StreamingOutputCallRequestSchema, { responseParameters: sizes.map((size) => ({ size })) }),
  );
  const { messages, trailers } = await textCall('StreamingOutputCall', request);
  checkOk(trailers);
  check(messages.length === sizes.length, `got ${messages.length} messages, expected ${sizes.length}`);
  messages.forEach((bytes, i) =>
    checkZeros(fromBinary(StreamingOutputCallResponseSchema, bytes).payload?.body, sizes[i], `response ${i} payload`),
  );
}

/** POSTs one base64 request frame and decodes the base64 response as it streams in. */
async function textCall(method, requestBytes, extraHeaders = {}) {
  const response = await fetch(`${baseUrl}/grpc.testing.TestService/${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/grpc-web-text',
      accept: 'application/grpc-web-text',
      'x-grpc-web': '1',
      'grpc-timeout': `${callTimeoutMs}m`,
      ...extraHeaders,
    },
    body: frame(0, requestBytes).toString('base64'),
    signal: AbortSignal.timeout(callTimeoutMs),
  }).catch((error) => {
    // undici reports every network failure as "fetch failed"; the reason is in `cause`.
    throw new CheckFailure(`HTTP request failed: ${error.cause?.message ?? error.message}`);
  });
  check(response.status === 200, `HTTP status ${response.status}`);
  const contentType = response.headers.get('content-type') ?? '';
  check(contentType.startsWith('application/grpc-web-text'), `response content-type '${contentType}'`);
  const decoder = new Base64ChunkDecoder();
  const parts = [];
  for await (const chunk of response.body) {
    parts.push(decoder.push(Buffer.from(chunk).toString('latin1')));
  }
  decoder.end();
  const { messages, trailers } = parseFrames(Buffer.concat(parts));
  // A trailers-only response carries the status in the HTTP headers instead of a trailer frame.
  const finalTrailers = trailers ?? new Map([...response.headers].filter(([name]) => name.startsWith('grpc-')));
  return { headers: response.headers, messages, trailers: finalTrailers };
}

function checkOk(trailers) {
  const status = trailers.get('grpc-status');
  check(status === '0', `grpc-status ${status} (${trailers.get('grpc-message') ?? ''}), expected 0`);
}

// ---- helpers ----

function largeRequest() {
  return { responseSize: 314159, payload: { body: new Uint8Array(271828) } };
}

function echoRequestHeaders() {
  return {
    'x-grpc-test-echo-initial': echoInitialValue,
    'x-grpc-test-echo-trailing-bin': encodeBinaryHeader(echoTrailingValue),
  };
}

function checkEchoedMetadata(initial, trailingBase64) {
  check(initial === echoInitialValue, `initial metadata echo was ${JSON.stringify(initial)}`);
  check(typeof trailingBase64 === 'string', 'trailing metadata x-grpc-test-echo-trailing-bin missing');
  const trailing = decodeBinaryHeader(trailingBase64);
  check(
    trailing.length === echoTrailingValue.length && trailing.every((b, i) => b === echoTrailingValue[i]),
    `trailing metadata echo was ${Buffer.from(trailing).toString('hex')}`,
  );
}

async function expectError(promise, code, message) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = ConnectError.from(e);
  }
  check(error !== undefined, `call succeeded, expected ${Code[code]}`);
  check(error.code === code, `status ${Code[error.code]} (${JSON.stringify(error.rawMessage)}), expected ${Code[code]}`);
  if (message !== undefined) {
    check(error.rawMessage === message, `status message ${JSON.stringify(error.rawMessage)}, expected ${JSON.stringify(message)}`);
  }
}
