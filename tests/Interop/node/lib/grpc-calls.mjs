// Promise-shaped wrappers around grpc-js's callback and event APIs, for the interop client's cases.
import grpc from '@grpc/grpc-js';
import { check } from './cases.mjs';

const { status: Status, Metadata } = grpc;
const callTimeoutMs = 15_000;

/** Every call gets a deadline, so a server that never answers fails the case instead of hanging it. */
export function callOptions() {
  return { deadline: Date.now() + callTimeoutMs };
}

/** One unary call; resolves with the response, response headers and final status (incl. trailers). */
export function unary(target, method, request, { metadata = new Metadata() } = {}) {
  return new Promise((resolve, reject) => {
    let headers = null;
    let outcome = null;
    let status = null;
    const settle = () => {
      if (outcome && status) {
        if (outcome.error) {
          reject(outcome.error);
        } else {
          resolve({ response: outcome.response, headers, status });
        }
      }
    };
    const call = target[method](request, metadata, callOptions(), (error, response) => {
      outcome = { error, response };
      settle();
    });
    call.on('metadata', (m) => {
      headers = m;
    });
    call.on('status', (s) => {
      status = s;
      settle();
    });
  });
}

/** A client-streaming StreamingInputCall; each entry is [request, writeFlags?]. */
export function clientStream(target, writes) {
  return new Promise((resolve, reject) => {
    const call = target.StreamingInputCall(new Metadata(), callOptions(), (error, response) =>
      error ? reject(error) : resolve({ response }),
    );
    for (const [request, writeFlags] of writes) {
      call.write(request, writeFlags);
    }
    call.end();
  });
}

/** Collects a response stream: resolves on OK with messages, headers and status; rejects with the error otherwise. */
export function readAll(call) {
  return responses(call).done;
}

/**
 * Follows a response stream through grpc-js's events. `next()` hands out responses one at a time (for
 * ping-pong); `done` settles once the call is over, with every response received, or rejects with the error.
 */
export function responses(call) {
  const messages = [];
  const unread = [];
  const waiting = [];
  let headers = null;
  let ended = false;
  let error = null;
  let resolveDone;
  let rejectDone;
  let status = null;
  const done = new Promise((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection meanwhile
  const wake = () => {
    while (waiting.length > 0 && (unread.length > 0 || ended || error)) {
      const waiter = waiting.shift();
      if (unread.length > 0) {
        waiter.resolve({ value: unread.shift(), done: false });
      } else if (error) {
        waiter.reject(error);
      } else {
        waiter.resolve({ value: undefined, done: true });
      }
    }
    if (error) {
      rejectDone(error);
    } else if (ended && status) {
      resolveDone({ messages, headers, status });
    }
  };
  call.on('metadata', (m) => {
    headers = m;
  });
  call.on('data', (m) => {
    messages.push(m);
    unread.push(m);
    wake();
  });
  call.on('end', () => {
    ended = true;
    wake();
  });
  call.on('error', (e) => {
    error = e;
    wake();
  });
  call.on('status', (s) => {
    if (s.code === Status.OK) {
      status = s;
      wake();
    }
  });
  const next = () =>
    new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      wake();
    });
  return { next, done };
}

/** Awaits a call that must fail with `code` (and exactly `message`, when given). */
export async function expectStatus(promise, code, message) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  check(error !== undefined, `call succeeded, expected status ${Status[code]}`);
  check(error.code === code, `status ${Status[error.code] ?? error.code} (${JSON.stringify(error.details)}), expected ${Status[code]}`);
  if (message !== undefined) {
    check(error.details === message, `status message ${JSON.stringify(error.details)}, expected ${JSON.stringify(message)}`);
  }
}
