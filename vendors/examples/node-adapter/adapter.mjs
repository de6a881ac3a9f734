#!/usr/bin/env node
// A DevServer vendor adapter in Node: registers as vendor "node-script" on the orchestrator's mesh and, for each
// AgentWork, runs a configured shell command in a fresh git worktree and answers with the work as a patch series.
// The contract it follows is docs/vendor-adapters.md.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const VERSION = '0.1.0';
const MAX_LINE_BYTES = 4096; // OutputLine.text and AgentResult.output_excerpt hold at most 4 KiB.
const WELCOME_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 5_000;

// ---- configuration: flags win over environment variables, which win over defaults ----------------------------------

function defaultTokenFile() {
  if (process.env.DEVSERVER_DATA) return join(process.env.DEVSERVER_DATA, 'worker.token');
  if (process.getuid?.() === 0) return '/var/lib/devserver/worker.token';
  return join(homedir(), '.local', 'share', 'devserver', 'worker.token');
}

const { values: flags } = parseArgs({
  options: {
    orchestrator: { type: 'string' },
    'token-file': { type: 'string' },
    workspace: { type: 'string' },
    command: { type: 'string' },
    name: { type: 'string' },
    vendor: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (flags.help) {
  console.log(`usage: adapter.mjs [--orchestrator URL] [--token-file PATH] [--workspace DIR] --command 'SHELL COMMAND' [--name NAME]
env: DEVSERVER_ORCHESTRATOR, DEVSERVER_WORKER_TOKEN_FILE, DEVSERVER_WORKSPACE, DEVSERVER_AGENT_COMMAND, DEVSERVER_WORKER_NAME`);
  process.exit(0);
}
const config = {
  orchestrator: flags.orchestrator ?? process.env.DEVSERVER_ORCHESTRATOR ?? 'http://127.0.0.1:5180',
  tokenFile: flags['token-file'] ?? process.env.DEVSERVER_WORKER_TOKEN_FILE ?? defaultTokenFile(),
  workspace: resolve(flags.workspace ?? process.env.DEVSERVER_WORKSPACE ?? join(homedir(), '.cache', 'devserver-node-adapter')),
  command: flags.command ?? process.env.DEVSERVER_AGENT_COMMAND ?? '',
  name: flags.name ?? process.env.DEVSERVER_WORKER_NAME ?? `node-adapter@${hostname()}`,
  vendor: flags.vendor ?? 'node-script',
};
if (!config.command) {
  console.error('No command: pass --command or set DEVSERVER_AGENT_COMMAND.');
  process.exit(2);
}

function log(message) {
  console.log(`${new Date().toISOString()} ${message}`);
}

// ---- the contract, loaded straight from the .proto files ------------------------------------------------------------

const protoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../proto');
const definition = protoLoader.loadSync('devserver/mesh/v1/mesh.proto', {
  includeDirs: [protoRoot],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const MeshService = grpc.loadPackageDefinition(definition).devserver.mesh.v1.MeshService;

// ---- assignments and their outboxes ---------------------------------------------------------------------------------

// assignment_id -> { id, taskId, nextSequence, outbox: WorkEvent[], result: WorkResult|null, child, stopReason }
// An entry lives until the orchestrator acknowledges its result as stored (or cancels it after the result).
const assignments = new Map();
let runQueue = Promise.resolve(); // capacity 1: one command at a time, the rest wait in arrival order
let stream = null; // the current call, once welcomed
let stopping = false;

function timestamp() {
  const ms = Date.now();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

function cut(text, maxBytes) {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // Drop a partial character at the cut.
  return bytes.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
}

function report(entry, source, text, stderr = false) {
  if (entry.result) return; // events after the result are dropped, as the contract says
  const event = {
    sequence: String(entry.nextSequence++),
    time: timestamp(),
    output_line: { source, stderr, text: cut(text, MAX_LINE_BYTES) },
  };
  entry.outbox.push(event);
  send({ events: { assignment_id: entry.id, events: [event] } });
}

function finish(entry, agent) {
  entry.result = { assignment_id: entry.id, last_event_sequence: String(entry.nextSequence - 1), agent };
  log(`assignment ${entry.id} (task ${entry.taskId}) finished: ${agent.outcome}${agent.error ? ` (${agent.error})` : ''}`);
  send({ result: entry.result });
}

function send(message) {
  // Without a welcomed stream the message waits in the outbox and goes out after the next Welcome.
  if (stream) stream.write(message);
}

function resendAll() {
  for (const entry of assignments.values()) {
    if (entry.outbox.length > 0) send({ events: { assignment_id: entry.id, events: entry.outbox } });
    if (entry.result) send({ result: entry.result });
  }
}

function onAcknowledgement(ack) {
  const entry = assignments.get(ack.assignment_id);
  if (!entry) return;
  const through = Number(ack.events_through);
  entry.outbox = entry.outbox.filter((e) => Number(e.sequence) > through);
  if (ack.result_stored) assignments.delete(entry.id);
}

function onCancel(cancel) {
  const entry = assignments.get(cancel.assignment_id);
  if (!entry) return; // unknown ids are ignored
  if (entry.result) {
    // The orchestrator no longer wants it (its lease ran out): drop it and never resend it.
    assignments.delete(entry.id);
    return;
  }
  log(`assignment ${entry.id} cancelled: ${cancel.reason}`);
  entry.stopReason = 'cancelled';
  stopChild(entry);
}

function stopChild(entry) {
  const child = entry.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  // The command runs in its own process group, so the whole tree gets the signal.
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  setTimeout(() => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }, KILL_GRACE_MS).unref();
}

function onAssignment(assignment) {
  if (assignments.has(assignment.assignment_id)) return; // a resend after a reconnect; never run twice
  const entry = {
    id: assignment.assignment_id,
    taskId: assignment.task_id,
    nextSequence: 1,
    outbox: [],
    result: null,
    child: null,
    stopReason: null,
  };
  assignments.set(entry.id, entry);
  if (assignment.work !== 'agent') {
    finish(entry, { outcome: 'AGENT_OUTCOME_FAILED', error: 'This worker only runs agent work.' });
    return;
  }
  log(`assignment ${entry.id}: task ${assignment.task_id} attempt ${assignment.attempt}`);
  runQueue = runQueue.then(() => runAgent(entry, assignment)).catch((error) => {
    if (!entry.result) finish(entry, { outcome: 'AGENT_OUTCOME_FAILED', error: String(error?.message ?? error) });
  });
}

// ---- git --------------------------------------------------------------------------------------------------------------

function git(cwd, args, { buffer = false } = {}) {
  return new Promise((resolveGit) => {
    execFile('git', args, { cwd, encoding: buffer ? 'buffer' : 'utf8', maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolveGit({ ok: !error, stdout, stderr: String(stderr ?? '').trim() || String(error?.message ?? '') });
    });
  });
}

async function gitOrThrow(cwd, args, options) {
  const result = await git(cwd, args, options);
  if (!result.ok) throw new PreparationError(`git ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

class PreparationError extends Error {}

// A bare clone cache per repository, then a detached worktree at the base commit (the C# Workspace's approach).
async function prepareWorktree(work, worktreeName, say) {
  const repository = work.repository ?? {};
  if (!/^[A-Za-z0-9._-]+$/.test(repository.name ?? '')) throw new PreparationError(`Bad repository name '${repository.name}'.`);
  const cache = join(config.workspace, 'cache', `${repository.name}.git`);
  if (!existsSync(join(cache, 'HEAD'))) {
    mkdirSync(cache, { recursive: true });
    await gitOrThrow(cache, ['init', '--quiet', '--bare']);
  }
  const hasOrigin = (await git(cache, ['remote', 'get-url', 'origin'])).ok;
  await gitOrThrow(cache, ['remote', hasOrigin ? 'set-url' : 'add', 'origin', repository.location]);
  say(`fetching ${repository.location}`);
  await gitOrThrow(cache, ['fetch', '--quiet', '--prune', '--no-tags', 'origin', '+refs/heads/*:refs/remotes/origin/*']);

  let commit;
  if (work.base_commit) {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(work.base_commit)) throw new PreparationError(`'${work.base_commit}' is not a commit hash.`);
    commit = (await gitOrThrow(cache, ['rev-parse', '--verify', '--quiet', `${work.base_commit}^{commit}`])).trim();
  } else {
    const resolved = await git(cache, ['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${work.base_branch}^{commit}`]);
    if (!resolved.ok) throw new PreparationError(`The branch '${work.base_branch}' does not exist in ${repository.location}.`);
    commit = resolved.stdout.trim();
  }

  const worktree = join(config.workspace, 'worktrees', worktreeName);
  if (existsSync(worktree)) {
    rmSync(worktree, { recursive: true, force: true });
  }
  await git(cache, ['worktree', 'prune']);
  mkdirSync(dirname(worktree), { recursive: true });
  say(`worktree ${worktree} at ${commit}`);
  await gitOrThrow(cache, ['worktree', 'add', '--quiet', '--detach', worktree, commit]);
  if (work.work_branch) {
    await gitOrThrow(worktree, ['checkout', '--quiet', '--ignore-other-worktrees', '-B', work.work_branch]);
  }
  return { worktree, commit };
}

// ---- one attempt ------------------------------------------------------------------------------------------------------

async function runAgent(entry, assignment) {
  if (entry.stopReason) {
    finish(entry, { outcome: 'AGENT_OUTCOME_CANCELLED', error: 'Cancelled before it started.' });
    return;
  }
  const work = assignment.agent;
  const task = work.task ?? {};
  let prepared;
  try {
    prepared = await prepareWorktree(work, `task-${assignment.task_id}-${assignment.attempt}`, (line) => report(entry, 'OUTPUT_SOURCE_WORKER', line));
  } catch (error) {
    const message = String(error?.message ?? error);
    report(entry, 'OUTPUT_SOURCE_WORKER', message, true);
    finish(entry, { outcome: 'AGENT_OUTCOME_PREPARATION_FAILED', error: message });
    return;
  }
  if (entry.stopReason) {
    finish(entry, { outcome: 'AGENT_OUTCOME_CANCELLED', error: 'Cancelled while the worktree was prepared.', base_commit: prepared.commit, head_commit: prepared.commit });
    return;
  }

  const started = Date.now();
  const tail = [];
  let tailBytes = 0;
  const child = spawn('/bin/sh', ['-c', config.command], {
    cwd: prepared.worktree,
    detached: true, // its own process group, so a cancel stops the whole tree
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/',
      LANG: process.env.LANG ?? 'C.UTF-8',
      DEVSERVER_TASK_ID: String(assignment.task_id),
      DEVSERVER_TASK_TITLE: task.title ?? '',
      DEVSERVER_TASK_DESCRIPTION: task.description ?? '',
    },
  });
  entry.child = child;
  const timeoutSeconds = Number(work.timeout?.seconds ?? 0);
  const timer = timeoutSeconds > 0
    ? setTimeout(() => { entry.stopReason ??= 'timeout'; stopChild(entry); }, timeoutSeconds * 1000)
    : null;
  const lines = [];
  for (const [pipe, stderr] of [[child.stdout, false], [child.stderr, true]]) {
    const reader = createInterface({ input: pipe, crlfDelay: Infinity });
    lines.push(new Promise((done) => reader.on('close', done)));
    reader.on('line', (line) => {
      report(entry, 'OUTPUT_SOURCE_AGENT', line, stderr);
      tail.push(line);
      tailBytes += Buffer.byteLength(line) + 1;
      while (tailBytes > MAX_LINE_BYTES && tail.length > 1) tailBytes -= Buffer.byteLength(tail.shift()) + 1;
    });
  }
  const [exitCode, signal] = await new Promise((done) => {
    child.on('error', (error) => { report(entry, 'OUTPUT_SOURCE_WORKER', `cannot start the command: ${error.message}`, true); done([127, null]); });
    child.on('exit', (code, sig) => done([code, sig]));
  });
  await Promise.all(lines);
  if (timer) clearTimeout(timer);
  entry.child = null;

  const elapsed = Date.now() - started;
  const result = {
    base_commit: prepared.commit,
    head_commit: prepared.commit,
    output_excerpt: cut(tail.join('\n'), MAX_LINE_BYTES),
    duration: { seconds: String(Math.floor(elapsed / 1000)), nanos: (elapsed % 1000) * 1_000_000 },
  };
  if (entry.stopReason === 'cancelled') {
    finish(entry, { ...result, outcome: 'AGENT_OUTCOME_CANCELLED', error: 'Cancelled; the command was stopped.' });
    return;
  }
  if (entry.stopReason === 'timeout') {
    finish(entry, { ...result, outcome: 'AGENT_OUTCOME_TIMED_OUT', error: `The command ran longer than ${timeoutSeconds} s and was stopped.` });
    return;
  }
  if (exitCode !== 0) {
    const code = exitCode ?? -1;
    finish(entry, { ...result, outcome: 'AGENT_OUTCOME_FAILED', exit_code: code, error: `The command exited with ${signal ? `signal ${signal}` : `code ${code}`}.` });
    return;
  }

  try {
    const wt = prepared.worktree;
    const identity = ['-c', 'user.name=DevServer node adapter', '-c', 'user.email=node-adapter@devserver.invalid'];
    await gitOrThrow(wt, ['add', '--all']);
    const pending = (await gitOrThrow(wt, ['status', '--porcelain'])).trim();
    if (pending) {
      const title = task.title || 'work';
      await gitOrThrow(wt, [...identity, 'commit', '--quiet', '--no-verify', '-m', `[task ${assignment.task_id}] ${title}`]);
    }
    const head = (await gitOrThrow(wt, ['rev-parse', 'HEAD'])).trim();
    const count = Number((await gitOrThrow(wt, ['rev-list', '--count', `${prepared.commit}..HEAD`])).trim());
    const mbox = count > 0
      ? await gitOrThrow(wt, ['format-patch', '--stdout', '--binary', `${prepared.commit}..HEAD`], { buffer: true })
      : Buffer.alloc(0);
    finish(entry, { ...result, outcome: 'AGENT_OUTCOME_SUCCEEDED', exit_code: 0, head_commit: head, commit_count: count, patch_series: mbox });
  } catch (error) {
    finish(entry, { ...result, outcome: 'AGENT_OUTCOME_FAILED', exit_code: 0, error: `Cannot commit the work: ${error.message}` });
  }
}

// ---- the connection ---------------------------------------------------------------------------------------------------

const workerId = randomUUID(); // kept across reconnects so the orchestrator recognises this worker
const target = config.orchestrator.replace(/^https?:\/\//, '').replace(/\/+$/, '');
const credentials = config.orchestrator.startsWith('https://') ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
const client = new MeshService(target, credentials, {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': -1,
});
let delayMs = 500;

function connect() {
  if (stopping) return;
  let token;
  try {
    token = readFileSync(config.tokenFile, 'utf8').trim(); // read again on every attempt: it may appear later
  } catch (error) {
    log(`cannot read the worker token from ${config.tokenFile}: ${error.message}`);
    retry();
    return;
  }
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const call = client.Connect(metadata);
  let ended = false;
  let heartbeat = null;
  const welcomeTimer = setTimeout(() => { log('no Welcome in time'); call.cancel(); }, WELCOME_TIMEOUT_MS);
  const end = (why) => {
    if (ended) return;
    ended = true;
    clearTimeout(welcomeTimer);
    if (heartbeat) clearInterval(heartbeat);
    if (stream === call) stream = null;
    log(`connection ended: ${why}`);
    retry();
  };

  call.on('data', (response) => {
    switch (response.message) {
      case 'welcome': {
        clearTimeout(welcomeTimer);
        const interval = response.welcome.heartbeat_interval ?? {};
        const ms = Math.max(100, Number(interval.seconds ?? 0) * 1000 + Math.floor(Number(interval.nanos ?? 0) / 1e6)) || 5000;
        log(`welcomed as ${response.welcome.worker_id}; heartbeat every ${ms} ms`);
        delayMs = 500;
        stream = call;
        heartbeat = setInterval(() => {
          const active = [...assignments.values()].filter((e) => !e.result).length;
          call.write({ heartbeat: { active } });
        }, ms);
        resendAll();
        break;
      }
      case 'assignment': onAssignment(response.assignment); break;
      case 'cancel': onCancel(response.cancel); break;
      case 'acknowledgement': onAcknowledgement(response.acknowledgement); break;
      default: break;
    }
  });
  call.on('error', (error) => {
    const hint = error.code === grpc.status.UNAUTHENTICATED || error.code === grpc.status.PERMISSION_DENIED
      ? ` (check the worker token in ${config.tokenFile})` : '';
    end(`${error.code} ${error.details}${hint}`);
  });
  call.on('end', () => end('the orchestrator closed the stream'));

  call.write({
    hello: {
      worker_id: workerId,
      name: config.name,
      kind: 'WORKER_KIND_VENDOR',
      vendor: config.vendor,
      models: [],
      capacity: 1,
      active_assignment_ids: [...assignments.keys()],
      version: VERSION,
    },
  });
}

function retry() {
  if (stopping) return;
  const jittered = delayMs * (0.8 + Math.random() * 0.4);
  delayMs = Math.min(delayMs * 2, 5000);
  setTimeout(connect, jittered);
}

function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  for (const entry of assignments.values()) {
    entry.stopReason = 'cancelled';
    stopChild(entry);
  }
  // Give running results a moment to reach the orchestrator, then leave.
  setTimeout(() => {
    for (const entry of assignments.values()) {
      if (entry.child) try { process.kill(-entry.child.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    stream?.end();
    client.close();
    process.exit(0);
  }, 1000);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

log(`node adapter ${VERSION} (vendor ${config.vendor}, worker ${workerId}) connecting to ${config.orchestrator}`);
connect();
