// Flag parsing in the gRPC interop style (--name=value), shared by every program here.
import { parseArgs } from 'node:util';

/**
 * Parses `--name=value` flags. `spec` maps each accepted flag to its default (a string, or undefined when
 * the flag is required). Unknown flags are an error so a typo in a C# test's command line fails loudly.
 */
export function parseFlags(spec, argv = process.argv.slice(2)) {
  const options = Object.fromEntries(Object.keys(spec).map((name) => [name, { type: 'string' }]));
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    fail(`${error.message}\naccepted flags: ${Object.keys(spec).map((n) => `--${n}`).join(' ')}`);
  }
  const flags = {};
  for (const [name, fallback] of Object.entries(spec)) {
    const value = values[name] ?? fallback;
    if (value === undefined) {
      fail(`missing required flag --${name}`);
    }
    flags[name] = value;
  }
  return flags;
}

export function intFlag(flags, name, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
  const text = flags[name];
  const value = Number(text);
  if (!/^-?\d+$/.test(String(text)) || value < min || value > max) {
    fail(`--${name} must be an integer in [${min}, ${max}], got '${text}'`);
  }
  return value;
}

export function boolFlag(flags, name) {
  const text = String(flags[name]).toLowerCase();
  if (text === 'true' || text === '1') {
    return true;
  }
  if (text === 'false' || text === '0' || text === '') {
    return false;
  }
  return fail(`--${name} must be true or false, got '${flags[name]}'`);
}

/** Prints the reason on stderr and exits non-zero: the contract every program here has with its caller. */
export function fail(reason, code = 2) {
  process.stderr.write(`${reason}\n`);
  process.exit(code);
}

/**
 * Kills the process with a clear reason if it outlives `seconds`, so a hang in a peer never hangs the C#
 * test run. `unref` keeps the timer from holding an otherwise finished process open.
 */
export function watchdog(seconds, what) {
  if (seconds > 0) {
    setTimeout(() => fail(`${what}: gave up after ${seconds} s (--max_seconds)`, 3), seconds * 1000).unref();
  }
}
