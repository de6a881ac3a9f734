// grpc.testing.TestService as the standard interop server implements it, on @grpc/grpc-js.
import { setTimeout as sleep } from 'node:timers/promises';
import grpc from '@grpc/grpc-js';
import { arrivedCompressed, sendCompressed } from './compression-flags.mjs';

const { status: Status, Metadata } = grpc;
const echoInitialKey = 'x-grpc-test-echo-initial';
const echoTrailingKey = 'x-grpc-test-echo-trailing-bin';

/** The handlers for `server.addService(TestService.service, createTestService())`. UnimplementedCall is left out on purpose. */
export function createTestService() {
  return { EmptyCall, UnaryCall, CacheableUnaryCall, StreamingOutputCall, StreamingInputCall, FullDuplexCall, HalfDuplexCall };
}

function EmptyCall(call, callback) {
  sendEchoedHeaders(call);
  callback(null, {}, echoedTrailers(call));
}

function UnaryCall(call, callback) {
  const request = call.request;
  const trailers = echoedTrailers(call);
  const compress = request.response_compressed?.value === true;
  sendEchoedHeaders(call, compress);
  const error =
    compressionMismatch(request) ?? invalidResponse(request.response_type, [request.response_size]) ?? echoedStatus(request);
  if (error) {
    callback(error, null, trailers);
    return;
  }
  const response = { payload: payloadOf(request.response_size) };
  callback(null, compress ? sendCompressed(response) : response, trailers);
}

// Cache headers so a caching proxy could serve the repeat; the body is a nanosecond timestamp so it changes every call.
function CacheableUnaryCall(call, callback) {
  const headers = echoedHeaders(call);
  headers.set('cache-control', 'max-age=60, public');
  call.sendMetadata(headers);
  const nanoseconds = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  callback(null, { payload: { type: 'COMPRESSABLE', body: Buffer.from(nanoseconds.toString()) } }, echoedTrailers(call));
}

async function StreamingOutputCall(call) {
  const request = call.request;
  const parameters = request.response_parameters;
  sendEchoedHeaders(call, parameters.some((p) => p.compressed?.value === true));
  const error = invalidResponse(request.response_type, parameters.map((p) => p.size));
  if (error) {
    endWithStatus(call, error);
    return;
  }
  if (await writeResponses(call, parameters)) {
    endWithStatus(call, echoedStatus(request));
  }
}

function StreamingInputCall(call, callback) {
  sendEchoedHeaders(call);
  let total = 0;
  let failed = false;
  call.on('data', (request) => {
    const error = failed ? null : compressionMismatch(request);
    if (error) {
      failed = true;
      callback(error, null, echoedTrailers(call));
    }
    total += request.payload?.body?.length ?? 0;
  });
  call.on('end', () => {
    if (!failed) {
      callback(null, { aggregated_payload_size: total }, echoedTrailers(call));
    }
  });
}

// Each request is answered as it arrives (ping-pong); requests are handled strictly in order.
function FullDuplexCall(call) {
  sendEchoedHeaders(call);
  let finished = false;
  let queue = Promise.resolve();
  const handle = async (request) => {
    if (finished || call.cancelled) {
      return;
    }
    const error = invalidResponse(request.response_type, request.response_parameters.map((p) => p.size)) ?? echoedStatus(request);
    if (error) {
      // Echo Status: close with the requested status and ignore whatever the client sends afterwards.
      finished = true;
      endWithStatus(call, error);
      return;
    }
    if (!(await writeResponses(call, request.response_parameters))) {
      finished = true;
    }
  };
  call.on('data', (request) => {
    queue = queue.then(() => handle(request));
  });
  call.on('end', () => {
    queue = queue.then(() => {
      if (!finished) {
        finished = true;
        endWithStatus(call, null);
      }
    });
  });
}

// All requests are buffered until the client half-closes, then answered in order.
function HalfDuplexCall(call) {
  sendEchoedHeaders(call);
  const requests = [];
  call.on('data', (request) => requests.push(request));
  call.on('end', async () => {
    for (const request of requests) {
      const error = invalidResponse(request.response_type, request.response_parameters.map((p) => p.size)) ?? echoedStatus(request);
      if (error) {
        endWithStatus(call, error);
        return;
      }
      if (!(await writeResponses(call, request.response_parameters))) {
        return;
      }
    }
    endWithStatus(call, null);
  });
}

/** Writes one response per parameter, sleeping interval_us before each. False when the call went away. */
async function writeResponses(call, parameters) {
  for (const parameter of parameters) {
    if (parameter.interval_us > 0) {
      await sleep(Math.ceil(parameter.interval_us / 1000));
    }
    if (call.cancelled || call.destroyed) {
      return false;
    }
    const response = { payload: payloadOf(parameter.size) };
    if (!(await write(call, parameter.compressed?.value === true ? sendCompressed(response) : response))) {
      return false;
    }
  }
  return true;
}

// Resolves once grpc-js has taken the message (backpressure), or false if the call is cancelled meanwhile.
function write(call, message) {
  return new Promise((resolve) => {
    const onCancelled = () => resolve(false);
    call.once('cancelled', onCancelled);
    call.write(message, () => {
      call.off('cancelled', onCancelled);
      resolve(true);
    });
  });
}

function endWithStatus(call, error) {
  if (call.cancelled) {
    return;
  }
  if (error) {
    call.emit('error', { ...error, metadata: echoedTrailers(call) });
  } else {
    call.end(echoedTrailers(call));
  }
}

function payloadOf(size) {
  return { type: 'COMPRESSABLE', body: Buffer.alloc(size) };
}

// Only COMPRESSABLE exists; the interop server rejects other payload types and impossible sizes.
function invalidResponse(responseType, sizes) {
  if (responseType !== 'COMPRESSABLE') {
    return { code: Status.INVALID_ARGUMENT, details: `unsupported response_type ${responseType}` };
  }
  if (sizes.some((size) => size < 0)) {
    return { code: Status.INVALID_ARGUMENT, details: 'negative response size' };
  }
  return null;
}

function echoedStatus(request) {
  const status = request.response_status;
  return status && status.code !== 0 ? { code: status.code, details: status.message } : null;
}

// CompressedRequest: the flag of the frame the message arrived in must match expect_compressed when set.
function compressionMismatch(request) {
  const expected = request.expect_compressed;
  if (!expected) {
    return null;
  }
  const actual = arrivedCompressed(request);
  if (expected.value === actual) {
    return null;
  }
  return {
    code: Status.INVALID_ARGUMENT,
    details: expected.value ? 'Expected compressed request, got an uncompressed one' : 'Expected uncompressed request, got a compressed one',
  };
}

function echoedHeaders(call) {
  const headers = new Metadata();
  for (const value of call.metadata.get(echoInitialKey)) {
    headers.add(echoInitialKey, value);
  }
  return headers;
}

// grpc-js would announce `grpc-encoding: identity`; a call that sends compressed frames must say gzip instead.
function sendEchoedHeaders(call, compress = false) {
  const headers = echoedHeaders(call);
  if (compress) {
    headers.set('grpc-encoding', 'gzip');
  }
  if (Object.keys(headers.getMap()).length > 0) {
    call.sendMetadata(headers);
  }
}

function echoedTrailers(call) {
  const trailers = new Metadata();
  for (const value of call.metadata.get(echoTrailingKey)) {
    trailers.add(echoTrailingKey, value);
  }
  return trailers;
}
