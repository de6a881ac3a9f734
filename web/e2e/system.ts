// The real system for the browser tests, started the way a person starts it: the built CLI's `devserver up`
// (orchestrator with its embedded PostgreSQL, the script sidecar, the verifier) on a temporary data directory and
// free ports, plus a temporary git repository registered through the CLI.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const webRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = resolve(webRoot, "..");

/** What the tests get from the global setup (through Vitest's provide/inject). */
export interface SystemInfo {
  /** The dashboard and gRPC-Web, e.g. http://127.0.0.1:40123/ (from `up`'s "Dashboard:" line). */
  webUrl: string;
  /** The h2c API, for the CLI. */
  grpcUrl: string;
  adminToken: string;
  adminTokenFile: string;
  dataDirectory: string;
  /** The registered repository: its name, its folder and the commit tasks start from. */
  repository: string;
  repositoryPath: string;
  baseCommit: string;
  /** Where the test writes artefacts (screenshots, downloads). */
  artifacts: string;
  /** The command line that runs the CLI (dotnet + devserver.dll). */
  cli: string[];
  /** The agent goes on once release-<task id> exists here. */
  gates: string;
}

/** The built CLI: $DEVSERVER_CLI, else the Release build under $ArtifactsPath (or <repo>/artifacts). */
export function cliCommand(): string[] {
  const artifacts = process.env.ArtifactsPath ?? join(repoRoot, "artifacts");
  const dll = process.env.DEVSERVER_CLI ?? join(artifacts, "bin", "DevServer.Cli", "release", "devserver.dll");
  if (!existsSync(dll)) {
    throw new Error(`The CLI is not built (no ${dll}): run \`dotnet build DevServer.sln -c Release\` first, or set DEVSERVER_CLI.`);
  }
  return ["dotnet", dll];
}

/**
 * The agent the script sidecar runs. It prints, then waits until the test releases it (a file named after the task in
 * the gates folder, or after 90 s), so a test can see its output arrive while the task is still running; then it
 * writes one new file, which the sidecar commits.
 */
function agentScript(gates: string): string {
  return `#!/bin/sh
set -e
echo "e2e agent: task $DEVSERVER_TASK_ID, attempt $DEVSERVER_ATTEMPT"
# A title with "[10000 lines]" asks for that much output first: a task with over 10 000 events (many-events.e2e.ts).
case "$DEVSERVER_TASK_TITLE" in
  *"[10000 lines]"*) seq 1 10000 | sed 's/^/e2e agent: line /' ;;
esac
echo "e2e agent: waiting for the test"
waited=0
while [ ! -e "${gates}/release-$DEVSERVER_TASK_ID" ] && [ $waited -lt 900 ]; do
  sleep 0.1
  waited=$((waited + 1))
done
echo "e2e agent: released"
printf 'Hello from task %s: %s\\n' "$DEVSERVER_TASK_ID" "$DEVSERVER_TASK_TITLE" > "greeting-$DEVSERVER_TASK_ID.txt"
echo "e2e agent: wrote greeting-$DEVSERVER_TASK_ID.txt"
`;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** A repository with one commit on main (the registered one's test stage checks that the agent's file is there). */
export function createRepository(folder: string): string {
  execFileSync("git", ["init", "-q", "-b", "main", folder]);
  git(folder, "config", "user.email", "e2e@devserver.test");
  git(folder, "config", "user.name", "DevServer E2E");
  writeFileSync(join(folder, "README.md"), "# e2e\n\nA repository the browser tests give tasks to.\n");
  git(folder, "add", "README.md");
  git(folder, "commit", "-q", "-m", "Initial commit");
  return git(folder, "rev-parse", "HEAD");
}

/** The running `devserver up` and the folders it uses; stop() ends all of it. */
export class RunningSystem {
  private constructor(
    readonly info: SystemInfo,
    private readonly up: ChildProcess,
    private readonly root: string,
    readonly output: () => string,
  ) {}

  static async start(): Promise<RunningSystem> {
    const cli = cliCommand();
    const dist = process.env.DEVSERVER_WEB_DIST ?? join(webRoot, "dist");
    if (!existsSync(join(dist, "index.html"))) {
      throw new Error(`The dashboard is not built (no ${dist}/index.html): run \`npm run build\` in web/ first.`);
    }
    // Short (the cluster's socket path below it has a length limit) and enterable: as root the embedded PostgreSQL
    // runs as nobody, who must reach the data directory below it.
    const root = mkdtempSync(join(tmpdir(), "ds-e2e-"));
    chmodSync(root, 0o755);
    const artifacts = join(repoRoot, "artifacts", "e2e");
    const dataDirectory = join(root, "data");
    const repositoryPath = join(root, "repo");
    const agent = join(root, "agent.sh");
    const gates = join(root, "gates");
    mkdirSync(gates);
    writeFileSync(agent, agentScript(gates), { mode: 0o755 });
    const baseCommit = createRepository(repositoryPath);

    let text = "";
    const up = spawn(cli[0]!, [...cli.slice(1), "up", "--data", dataDirectory, "--grpc-port", "0", "--web-port", "0", "--script", agent], {
      cwd: root,
      // The orchestrator serves this checkout's build, wherever the build output lives ($ArtifactsPath).
      env: { ...process.env, Orchestrator__Web__DistPath: dist, DOTNET_NOLOGO: "1" },
      // Its own process group: the teardown can end the whole tree even if the CLI hangs.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    up.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
    up.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const output = () => text;
    const system = new RunningSystem(
      { webUrl: "", grpcUrl: "", adminToken: "", adminTokenFile: "", dataDirectory, repository: "e2e", repositoryPath, baseCommit, artifacts, cli, gates },
      up,
      root,
      output,
    );
    try {
      const ready = await waitFor(
        () => /Dashboard: (?<web>http:\/\/\S+) — log in with the admin token in (?<token>\S+)/.exec(text)?.groups,
        () => up.exitCode !== null || up.signalCode !== null,
        240_000,
      );
      const grpc = /^\s+gRPC\s+(?<url>http:\/\/\S+)/m.exec(text)?.groups?.url;
      if (ready === undefined || grpc === undefined) {
        throw new Error(`devserver up did not print its addresses:\n${text}`);
      }
      Object.assign(system.info, {
        webUrl: ready.web!,
        grpcUrl: grpc,
        adminTokenFile: ready.token!,
        adminToken: readFileSync(ready.token!, "utf8").trim(),
      });
      system.runCli(
        ["repo", "add", "e2e", repositoryPath, "--branch", "main", "--build", "true", "--test", "ls greeting-*.txt", "--lint", "true", "--detect", "false"],
      );
      return system;
    } catch (err) {
      await system.stop();
      throw err;
    }
  }

  /** Runs the CLI against this system; throws with its output when it fails. */
  runCli(args: string[]): string {
    const [command, ...prefix] = this.info.cli;
    return execFileSync(command!, [...prefix, ...args, "--server", this.info.grpcUrl, "--data", this.info.dataDirectory], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
  }

  /** Ctrl+C for `up` (it stops the workers, then the orchestrator and its database); then whatever is left is killed. */
  async stop(): Promise<void> {
    const pid = this.up.pid;
    const exited = () => this.up.exitCode !== null || this.up.signalCode !== null;
    if (pid !== undefined && !exited()) {
      const tree = [processOf(pid), ...descendants(pid)].filter((p) => p !== undefined);
      try {
        process.kill(pid, "SIGINT");
      } catch {
        // Already gone.
      }
      await waitFor(() => (exited() ? true : undefined), () => false, 90_000);
      if (!exited()) {
        // Still running: the group is certainly ours.
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // The group is empty.
        }
      }
      // Only processes that are still the ones we saw (a pid can be reused once its process ended).
      for (const p of [...tree, ...tree.flatMap((p) => descendants(p.pid))]) {
        if (processOf(p.pid)?.started === p.started) {
          kill(p.pid);
        }
      }
    }
    // pg_ctl detaches the server from the tree: a killed orchestrator leaves it running.
    const postmaster = join(this.info.dataDirectory, "postgres", "cluster", "postmaster.pid");
    if (existsSync(postmaster)) {
      const serverPid = Number(readFileSync(postmaster, "utf8").split("\n")[0]);
      const cmdline = serverPid > 0 && existsSync(`/proc/${serverPid}/cmdline`) ? readFileSync(`/proc/${serverPid}/cmdline`, "utf8") : "";
      if (cmdline.includes(this.info.dataDirectory)) {
        kill(serverPid);
      }
    }
    // The programs' logs outlive the run, for a failure's post-mortem.
    const logs = join(this.info.dataDirectory, "logs");
    if (existsSync(logs)) {
      const kept = join(this.info.artifacts, "logs");
      rmSync(kept, { recursive: true, force: true });
      cpSync(logs, kept, { recursive: true });
      writeFileSync(join(kept, "up.log"), this.output());
    }
    rmSync(this.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

function kill(pid: number) {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** A process as /proc shows it: its parent and when it started (which tells a reused pid apart). */
interface ProcessEntry {
  pid: number;
  ppid: number;
  started: string;
}

function processOf(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // pid (comm) state ppid ... starttime (field 22): comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(fields[1]), started: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

/** Every process below pid (children, then theirs). */
export function descendants(pid: number): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of readdirSync("/proc")) {
    const found = /^\d+$/.test(entry) ? processOf(Number(entry)) : undefined;
    if (found !== undefined) {
      children.set(found.ppid, [...(children.get(found.ppid) ?? []), found]);
    }
  }
  const result: ProcessEntry[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      result.push(child);
      queue.push(child.pid);
    }
  }
  return result;
}

/** Polls until value() is defined, failed() is true (undefined) or the time is up (undefined). */
export async function waitFor<T>(value: () => T | undefined, failed: () => boolean, timeoutMs: number): Promise<T | undefined> {
  const giveUp = Date.now() + timeoutMs;
  while (Date.now() < giveUp) {
    const v = value();
    if (v !== undefined) {
      return v;
    }
    if (failed()) {
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}
