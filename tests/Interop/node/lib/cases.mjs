// The shared test-case runner of the interop clients: PASS/FAIL lines, a summary, and the exit code.

export class CheckFailure extends Error {}

export function check(condition, message) {
  if (!condition) {
    throw new CheckFailure(message);
  }
}

/** Checks a payload body (Buffer or Uint8Array) has exactly `size` bytes, all zero. */
export function checkZeros(body, size, what = 'payload body') {
  check(body instanceof Uint8Array, `${what} is missing`);
  check(body.length === size, `${what} is ${body.length} bytes, expected ${size}`);
  check(body.every((b) => b === 0), `${what} is not all zeros`);
}

/** Resolves the --test_case value ('all' or one name) to case names; exits non-zero on an unknown name. */
export function selectCases(testCases, name, fail) {
  const names = name === 'all' ? Object.keys(testCases) : [name];
  for (const n of names) {
    if (!testCases[n]) {
      fail(`unknown --test_case=${n}; known: all ${Object.keys(testCases).join(' ')}`);
    }
  }
  return names;
}

/** Runs the cases in order, each to completion even after a failure; returns the number that failed. */
export async function runCases(testCases, names) {
  let failures = 0;
  for (const name of names) {
    const started = performance.now();
    try {
      await testCases[name]();
      process.stdout.write(`PASS ${name} (${Math.round(performance.now() - started)} ms)\n`);
    } catch (error) {
      failures++;
      // Assertion failures and RPC statuses explain themselves; anything else is a bug here, so keep its stack.
      const reason = error instanceof CheckFailure || typeof error?.code === 'number' ? error.message : (error?.stack ?? error);
      process.stderr.write(`FAIL ${name}: ${reason}\n`);
    }
  }
  if (names.length > 1) {
    process.stdout.write(`${names.length - failures} passed, ${failures} failed\n`);
  }
  return failures;
}
