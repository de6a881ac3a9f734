#!/usr/bin/env node
// The standard gRPC interop client on @grpc/grpc-js: the real peer for our C# server's interop tests.
// Usage: node interop-client.mjs --server_host=H --server_port=P --test_case=NAME|all
//          [--server_host_override=AUTHORITY] [--proto_root=DIR] [--max_seconds=120]
// Prints "PASS <case> (<ms> ms)" per case on stdout; exits 0 only if every requested case passed,
// otherwise prints "FAIL <case>: <reason>" on stderr and exits 1.
import { Buffer } from 'node:buffer';
import grpc from '@grpc/grpc-js';
import { boolFlag, fail, intFlag, parseFlags, watchdog } from './lib/args.mjs';
import { check, CheckFailure, checkZeros, runCases, selectCases } from './lib/cases.mjs';
import { arrivedCompressed, installCompressionHooks, withCompressionFlags } from './lib/compression-flags.mjs';
import { callOptions, clientStream, expectStatus, readAll, responses, unary } from './lib/grpc-calls.mjs';
import { loadTesting } from './lib/protos.mjs';

const { status: Status, Metadata } = grpc;
// grpc-js's WriteFlags.NoCompress: send this one message uncompressed on a compressing channel.
const noCompress = 2;

const flags = parseFlags({
  server_host: '127.0.0.1',
  server_port: undefined,
  test_case: undefined,
  server_host_override: '',
  use_tls: 'false',
  use_test_ca: 'false',
  proto_root: '',
  max_seconds: '120',
});
if (boolFlag(flags, 'use_tls')) {
  fail('--use_tls=true is not supported: the interop tests run over h2c on loopback');
}
watchdog(intFlag(flags, 'max_seconds'), 'interop-client');

const testCases = {
  empty_unary: emptyUnary,
  large_unary: largeUnary,
  client_compressed_unary: clientCompressedUnary,
  server_compressed_unary: serverCompressedUnary,
  client_streaming: clientStreaming,
  client_compressed_streaming: clientCompressedStreaming,
  server_streaming: serverStreaming,
  server_compressed_streaming: serverCompressedStreaming,
  ping_pong: pingPong,
  empty_stream: emptyStream,
  custom_metadata: customMetadata,
  status_code_and_message: statusCodeAndMessage,
  special_status_message: specialStatusMessage,
  unimplemented_method: unimplementedMethod,
  unimplemented_service: unimplementedService,
  cancel_after_begin: cancelAfterBegin,
  cancel_after_first_response: cancelAfterFirstResponse,
  timeout_on_sleeping_server: timeoutOnSleepingServer,
};
const selected = selectCases(testCases, flags.test_case, fail);

let testing;
try {
  installCompressionHooks();
  testing = loadTesting(flags.proto_root);
} catch (error) {
  fail(error.message);
}
const target = `${flags.server_host}:${intFlag(flags, 'server_port', { min: 1, max: 65535 })}`;
const channelOptions = flags.server_host_override ? { 'grpc.default_authority': flags.server_host_override } : {};
const credentials = grpc.credentials.createInsecure();
const TestClient = grpc.makeGenericClientConstructor(withCompressionFlags(testing.TestService.service), 'TestService');
const UnimplementedClient = grpc.makeGenericClientConstructor(testing.UnimplementedService.service, 'UnimplementedService');
const client = new TestClient(target, credentials, channelOptions);
// grpc-js chooses request compression per channel, not per call: the compressed requests go through a second
// channel whose default is gzip (grpc-encoding: gzip on every call; NoCompress opts single messages out).
const gzipClient = new TestClient(target, credentials, {
  ...channelOptions,
  'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip,
});
const unimplementedClient = new UnimplementedClient(target, credentials, channelOptions);

const failures = await runCases(testCases, selected);
for (const c of [client, gzipClient, unimplementedClient]) {
  c.close();
}
process.exit(failures === 0 ? 0 : 1);

// ---- test cases (doc/interop-test-descriptions.md in grpc/grpc) ----

async function emptyUnary() {
  const { response } = await unary(client, 'EmptyCall', {});
  check(response !== null && typeof response === 'object', 'EmptyCall returned no message');
}

async function largeUnary() {
  const { response } = await unary(client, 'UnaryCall', largeRequest());
  checkPayload(response.payload, 314159);
}

async function clientCompressedUnary() {
  // The probe goes out uncompressed (no grpc-encoding at all on this channel); a server that checks
  // CompressedRequest must refuse it.
  await expectStatus(unary(client, 'UnaryCall', largeRequest({ expect_compressed: { value: true } })), Status.INVALID_ARGUMENT);
  const compressed = await unary(gzipClient, 'UnaryCall', largeRequest({ expect_compressed: { value: true } }));
  checkPayload(compressed.response.payload, 314159);
  const uncompressed = await unary(client, 'UnaryCall', largeRequest({ expect_compressed: { value: false } }));
  checkPayload(uncompressed.response.payload, 314159);
}

async function serverCompressedUnary() {
  for (const compress of [true, false]) {
    const { response } = await unary(client, 'UnaryCall', largeRequest({ response_compressed: { value: compress } }));
    check(arrivedCompressed(response) === compress, `response_compressed=${compress} but the response frame's compressed flag was ${!compress}`);
    checkPayload(response.payload, 314159);
  }
}

async function clientStreaming() {
  const { response } = await clientStream(client, [27182, 8, 1828, 45904].map((size) => [{ payload: zeros(size) }]));
  check(response.aggregated_payload_size === 74922, `aggregated_payload_size ${response.aggregated_payload_size}, expected 74922`);
}

async function clientCompressedStreaming() {
  const probe = { expect_compressed: { value: true }, payload: zeros(27182) };
  await expectStatus(clientStream(gzipClient, [[probe, noCompress]]), Status.INVALID_ARGUMENT);
  const { response } = await clientStream(gzipClient, [
    [{ expect_compressed: { value: true }, payload: zeros(27182) }],
    [{ expect_compressed: { value: false }, payload: zeros(45904) }, noCompress],
  ]);
  check(response.aggregated_payload_size === 73086, `aggregated_payload_size ${response.aggregated_payload_size}, expected 73086`);
}

async function serverStreaming() {
  const sizes = [31415, 9, 2653, 58979];
  const call = client.StreamingOutputCall({ response_parameters: sizes.map((size) => ({ size })) }, new Metadata(), callOptions());
  const { messages } = await readAll(call);
  checkSizes(messages, sizes);
}

async function serverCompressedStreaming() {
  const parameters = [
    { compressed: { value: true }, size: 31415 },
    { compressed: { value: false }, size: 92653 },
  ];
  const call = client.StreamingOutputCall({ response_parameters: parameters }, new Metadata(), callOptions());
  const { messages } = await readAll(call);
  checkSizes(messages, [31415, 92653]);
  messages.forEach((message, i) =>
    check(arrivedCompressed(message) === parameters[i].compressed.value, `response ${i}: compressed flag ${arrivedCompressed(message)}`),
  );
}

async function pingPong() {
  const call = client.FullDuplexCall(new Metadata(), callOptions());
  const stream = responses(call);
  const steps = [
    [31415, 27182],
    [9, 8],
    [2653, 1828],
    [58979, 45904],
  ];
  for (const [responseSize, requestSize] of steps) {
    call.write({ response_parameters: [{ size: responseSize }], payload: zeros(requestSize) });
    const { value, done: ended } = await stream.next();
    check(!ended, `stream ended before the response of size ${responseSize}`);
    checkPayload(value.payload, responseSize);
  }
  call.end();
  const { messages } = await stream.done;
  check(messages.length === 4, `server sent ${messages.length} responses, expected 4`);
}

async function emptyStream() {
  const call = client.FullDuplexCall(new Metadata(), callOptions());
  call.end();
  const { messages } = await readAll(call);
  check(messages.length === 0, `expected no responses, got ${messages.length}`);
}

async function customMetadata() {
  const initialValue = 'test_initial_metadata_value';
  const trailingValue = Buffer.from([0xab, 0xab, 0xab]);
  const metadata = () => {
    const m = new Metadata();
    m.add('x-grpc-test-echo-initial', initialValue);
    m.add('x-grpc-test-echo-trailing-bin', trailingValue);
    return m;
  };
  const verify = (what, headers, trailers) => {
    const initial = headers?.get('x-grpc-test-echo-initial') ?? [];
    check(initial.length === 1 && initial[0] === initialValue, `${what}: initial metadata echo was ${JSON.stringify(initial)}`);
    const trailing = trailers?.get('x-grpc-test-echo-trailing-bin') ?? [];
    check(
      trailing.length === 1 && Buffer.isBuffer(trailing[0]) && trailing[0].equals(trailingValue),
      `${what}: trailing metadata echo was ${trailing.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : v))}`,
    );
  };

  const unaryResult = await unary(client, 'UnaryCall', largeRequest(), { metadata: metadata() });
  checkPayload(unaryResult.response.payload, 314159);
  verify('UnaryCall', unaryResult.headers, unaryResult.status.metadata);

  const call = client.FullDuplexCall(metadata(), callOptions());
  const done = readAll(call);
  call.write({ response_parameters: [{ size: 314159 }], payload: zeros(271828) });
  call.end();
  const duplex = await done;
  checkSizes(duplex.messages, [314159]);
  verify('FullDuplexCall', duplex.headers, duplex.status.metadata);
}

async function statusCodeAndMessage() {
  const responseStatus = { code: 2, message: 'test status message' };
  await expectStatus(unary(client, 'UnaryCall', { response_status: responseStatus }), 2, responseStatus.message);
  const call = client.FullDuplexCall(new Metadata(), callOptions());
  const done = readAll(call);
  call.write({ response_status: responseStatus });
  call.end();
  await expectStatus(done, 2, responseStatus.message);
}

async function specialStatusMessage() {
  const message = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n';
  await expectStatus(unary(client, 'UnaryCall', { response_status: { code: 2, message } }), 2, message);
}

async function unimplementedMethod() {
  await expectStatus(unary(client, 'UnimplementedCall', {}), Status.UNIMPLEMENTED);
}

async function unimplementedService() {
  await expectStatus(unary(unimplementedClient, 'UnimplementedCall', {}), Status.UNIMPLEMENTED);
}

// The three cases below end in a status grpc-js itself produces, so on their own they would pass without a
// server. Beyond the standard assertions they first wait for a connected channel and afterwards require the
// server to still answer on that connection, i.e. it took the RST_STREAM in its stride.
async function cancelAfterBegin() {
  await connected();
  const result = new Promise((resolve, reject) => {
    const call = client.StreamingInputCall(new Metadata(), callOptions(), (error, response) => (error ? reject(error) : resolve(response)));
    call.cancel();
  });
  await expectStatus(result, Status.CANCELLED);
  await stillServing();
}

async function cancelAfterFirstResponse() {
  const call = client.FullDuplexCall(new Metadata(), callOptions());
  const stream = responses(call);
  call.write({ response_parameters: [{ size: 31415 }], payload: zeros(27182) });
  const first = await stream.next();
  check(!first.done, 'stream ended before the first response');
  checkPayload(first.value.payload, 31415);
  call.cancel();
  await expectStatus(stream.done, Status.CANCELLED);
  await stillServing();
}

async function timeoutOnSleepingServer() {
  await connected();
  const call = client.FullDuplexCall(new Metadata(), { deadline: Date.now() + 1 });
  const done = readAll(call);
  call.write({ payload: zeros(27182) });
  await expectStatus(done, Status.DEADLINE_EXCEEDED);
  await stillServing();
}

// ---- helpers ----

function connected() {
  return new Promise((resolve, reject) =>
    client.waitForReady(Date.now() + 5_000, (error) => (error ? reject(new CheckFailure(`channel not ready: ${error.message}`)) : resolve())),
  );
}

async function stillServing() {
  const { response } = await unary(client, 'EmptyCall', {});
  check(response !== null && typeof response === 'object', 'EmptyCall after the reset returned no message');
}

function zeros(size) {
  return { type: 'COMPRESSABLE', body: Buffer.alloc(size) };
}

function largeRequest(extra = {}) {
  return { response_size: 314159, payload: zeros(271828), ...extra };
}

function checkPayload(payload, size) {
  checkZeros(payload?.body, size);
}

function checkSizes(messages, sizes) {
  check(messages.length === sizes.length, `got ${messages.length} responses, expected ${sizes.length}`);
  messages.forEach((message, i) => checkPayload(message.payload, sizes[i]));
}
