#!/usr/bin/env node
// Benchmark peer: drives a TestService over ONE @grpc/grpc-js channel and prints one JSON line.
//   --mode=unary   `concurrency` loops of back-to-back UnaryCall (payload bytes each way): calls/s, p50/p99 latency
//   --mode=stream  `concurrency` loops of back-to-back StreamingOutputCall, each asking for `stream_messages`
//                  responses of `payload` bytes: messages/s
// Usage: node bench-client.mjs --server_host=H --server_port=P [--mode=unary|stream] [--concurrency=64]
//          [--seconds=5] [--warmup_seconds=1] [--payload=100] [--stream_messages=1000] [--proto_root=DIR]
// Only calls completing inside the measured window count; the warm-up lets JIT and connection settle.
// Exits 1 (after printing the line) if any call failed or returned the wrong payload size.
import grpc from '@grpc/grpc-js';
import { fail, intFlag, parseFlags, watchdog } from './lib/args.mjs';
import { loadTesting } from './lib/protos.mjs';

const flags = parseFlags({
  server_host: '127.0.0.1',
  server_port: undefined,
  mode: 'unary',
  concurrency: '64',
  seconds: '5',
  warmup_seconds: '1',
  payload: '100',
  stream_messages: '1000',
  proto_root: '',
});
const mode = flags.mode;
if (mode !== 'unary' && mode !== 'stream') {
  fail(`--mode must be unary or stream, got '${mode}'`);
}
const concurrency = intFlag(flags, 'concurrency', { min: 1, max: 10_000 });
const seconds = intFlag(flags, 'seconds', { min: 1, max: 3600 });
const warmupSeconds = intFlag(flags, 'warmup_seconds', { max: 600 });
const payloadSize = intFlag(flags, 'payload', { max: 4 * 1024 * 1024 - 1024 });
const streamMessages = intFlag(flags, 'stream_messages', { min: 1, max: 1_000_000 });
watchdog(seconds + warmupSeconds + 60, 'bench-client');

let testing;
try {
  testing = loadTesting(flags.proto_root);
} catch (error) {
  fail(error.message);
}
const target = `${flags.server_host}:${intFlag(flags, 'server_port', { min: 1, max: 65535 })}`;
const client = new testing.TestService(target, grpc.credentials.createInsecure());

const unaryRequest = { response_size: payloadSize, payload: { type: 'COMPRESSABLE', body: Buffer.alloc(payloadSize) } };
const streamRequest = { response_parameters: Array.from({ length: streamMessages }, () => ({ size: payloadSize })) };

let measuring = false;
let stopping = false;
let completed = 0; // unary calls or stream messages inside the window
let errors = 0;
let firstError = null;
const latencies = [];

function recordError(error) {
  errors++;
  firstError ??= error?.message ?? String(error);
}

function unaryCall() {
  return new Promise((resolve) => {
    const started = performance.now();
    client.UnaryCall(unaryRequest, (error, response) => {
      if (error) {
        recordError(error);
      } else if (response.payload.body.length !== payloadSize) {
        recordError(new Error(`response payload ${response.payload.body.length} bytes, expected ${payloadSize}`));
      } else if (measuring) {
        completed++;
        latencies.push(performance.now() - started);
      }
      resolve();
    });
  });
}

function streamCall() {
  return new Promise((resolve) => {
    const call = client.StreamingOutputCall(streamRequest);
    let received = 0;
    call.on('data', (response) => {
      received++;
      if (measuring && response.payload.body.length === payloadSize) {
        completed++;
      }
    });
    call.on('error', (error) => {
      recordError(error);
      resolve();
    });
    call.on('end', () => {
      if (received !== streamMessages) {
        recordError(new Error(`stream ended after ${received} of ${streamMessages} messages`));
      }
      resolve();
    });
  });
}

async function worker() {
  const call = mode === 'unary' ? unaryCall : streamCall;
  while (!stopping) {
    await call();
  }
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const workers = Array.from({ length: concurrency }, worker);
await delay(warmupSeconds * 1000);
measuring = true;
const started = performance.now();
await delay(seconds * 1000);
measuring = false;
const elapsedSeconds = (performance.now() - started) / 1000;
stopping = true;
await Promise.all(workers);
client.close();

const result = { peer: 'grpc-js', mode, concurrency, seconds: Number(elapsedSeconds.toFixed(3)), payload: payloadSize };
if (mode === 'unary') {
  const sorted = Float64Array.from(latencies).sort();
  const percentile = (p) => (sorted.length === 0 ? null : Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(3)));
  Object.assign(result, { calls: completed, calls_per_second: Math.round(completed / elapsedSeconds), p50_ms: percentile(0.5), p99_ms: percentile(0.99) });
} else {
  Object.assign(result, { stream_messages: streamMessages, messages: completed, messages_per_second: Math.round(completed / elapsedSeconds) });
}
Object.assign(result, { errors, ...(firstError ? { first_error: firstError } : {}) });
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(errors === 0 ? 0 : 1);
