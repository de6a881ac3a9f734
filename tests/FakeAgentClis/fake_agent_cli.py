"""Fake agent CLIs for tests: replay the REAL captured outputs of claude, gemini and codex.

The sidecars under test run these instead of the real CLIs (which need network and accounts). Each executable in
this folder (`claude`, `gemini`, `codex`) is a tiny wrapper that calls ``main()``; ``main`` picks the vendor from
the executable's name (argv[0]), so a symlink works too.

Engine API (for the vendor definitions; the claude one is at the bottom of this file)
-------------------------------------------------------------------------------------
* ``Vendor(name, prompt_of, scenarios, default)``: ``prompt_of(argv) -> str`` finds the prompt in the command line
  (argv without the program name); ``scenarios`` maps a scenario name to ``fn(run) -> int`` (the exit code);
  ``default`` is the scenario used when the prompt carries no marker.
* A vendor other than claude lives in ``fake_<vendor>.py`` next to this file and exposes ``VENDOR = Vendor(...)``;
  ``main()`` imports it on demand, so vendor helpers never have to edit this module.
* The scenario is chosen by a marker in the PROMPT (or, for a prompt without one such as a resumed session's, the
  marker of the last run in the same working directory), ``[fake:<scenario>]`` (the sidecar scrubs the environment, so
  the prompt is the one channel a test controls); ``[fake:<vendor>=<scenario>]`` applies to one vendor only and wins
  over a plain marker (a failover test gives the primary and the backup different scenarios). Unknown scenario -> a line on stderr and exit 64.
* Before anything else every run prints one stdout line
  ``{"type":"fake_invocation","vendor":...,"scenario":...,"argv":[...],"env":{...},"cwd":"..."}`` - an event type
  no parser knows (it proves unknown events pass through) that lets tests assert the exact argv/env the child got.
* ``Run`` (the argument of a scenario):
    - ``run.argv`` (list, without the program), ``run.prompt``, ``run.cwd``, ``run.vendor``, ``run.scenario``;
    - ``run.fixture(name)`` -> the fixture's lines (from /work/shared/fixtures/agent-cli, found relative to this
      file: ``<repo>/../shared/fixtures/agent-cli``; ``FAKE_AGENT_FIXTURES`` overrides it when set);
    - ``run.replay(name, substitutions=None, skip=(), delay=0.0)``: prints the fixture line by line (flushed),
      replacing each ``old -> new`` of ``substitutions`` (a dict, applied in order) in every line; ``skip`` is a
      set of 0-based line numbers to leave out;
    - ``run.emit(obj)`` prints one JSON line; ``run.emit_raw(text)`` prints text as is; ``run.stderr(text)``;
    - ``run.state`` a dict persisted per working directory (a JSON file in $TMPDIR/fake-agent-cli/, keyed by the
      cwd), saved with ``run.save_state()``: how "fail the first time, succeed the second" scenarios count;
    - ``run.new_session_id()`` a fresh UUID;
    - ``run.edit_work_file(text)`` appends to ``fake-<vendor>-work.txt`` in the cwd, so a successful run leaves
      something to commit;
    - ``run.hang()`` never returns: on SIGINT it prints ``{"type":"fake_interrupted"}`` and goes on hanging (the
      runner must kill it after its grace period); SIGTERM is ignored the same way.
    - ``run.epoch_in(seconds)`` the Unix time that many seconds from now (integer).
"""

import hashlib
import importlib
import json
import os
import signal
import sys
import tempfile
import time
import uuid

_HERE = os.path.dirname(os.path.realpath(__file__))


def fixtures_dir():
    configured = os.environ.get("FAKE_AGENT_FIXTURES")
    if configured:
        return configured
    repo = os.path.dirname(os.path.dirname(_HERE))
    return os.path.normpath(os.path.join(repo, "..", "shared", "fixtures", "agent-cli"))


class Vendor:
    def __init__(self, name, prompt_of, scenarios, default):
        self.name = name
        self.prompt_of = prompt_of
        self.scenarios = scenarios
        self.default = default


class Run:
    def __init__(self, vendor, argv, prompt, scenario):
        self.vendor = vendor
        self.argv = argv
        self.prompt = prompt
        self.scenario = scenario
        self.cwd = os.getcwd()
        key = hashlib.sha256(self.cwd.encode("utf-8")).hexdigest()[:16]
        folder = os.path.join(tempfile.gettempdir(), "fake-agent-cli")
        os.makedirs(folder, exist_ok=True)
        self._state_file = os.path.join(folder, "%s-%s.json" % (vendor, key))
        try:
            with open(self._state_file, "r", encoding="utf-8") as handle:
                self.state = json.load(handle)
        except (OSError, ValueError):
            self.state = {}

    def save_state(self):
        with open(self._state_file, "w", encoding="utf-8") as handle:
            json.dump(self.state, handle)

    def fixture(self, name):
        with open(os.path.join(fixtures_dir(), name), "r", encoding="utf-8") as handle:
            return [line.rstrip("\n") for line in handle if line.strip()]

    def emit_raw(self, text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def emit(self, obj):
        self.emit_raw(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))

    def stderr(self, text):
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def replay(self, name, substitutions=None, skip=(), delay=0.0):
        for number, line in enumerate(self.fixture(name)):
            if number in skip:
                continue
            for old, new in (substitutions or {}).items():
                line = line.replace(old, new)
            self.emit_raw(line)
            if delay:
                time.sleep(delay)

    def new_session_id(self):
        return str(uuid.uuid4())

    def epoch_in(self, seconds):
        return int(time.time()) + int(seconds)

    def edit_work_file(self, text):
        with open(os.path.join(self.cwd, "fake-%s-work.txt" % self.vendor), "a", encoding="utf-8") as handle:
            handle.write(text + "\n")

    def hang(self):
        def interrupted(signum, _frame):
            self.emit({"type": "fake_interrupted", "signal": signum})

        signal.signal(signal.SIGINT, interrupted)
        signal.signal(signal.SIGTERM, interrupted)
        while True:
            time.sleep(3600)


def _marker(prompt, vendor):
    """The scenario for ``vendor``: its own marker ``[fake:<vendor>=<scenario>]`` wins over a plain ``[fake:<scenario>]``
    (a failover test gives the primary and the backup vendor different scenarios in one prompt)."""
    plain = None
    start = prompt.find("[fake:")
    while start >= 0:
        end = prompt.find("]", start)
        if end < 0:
            break
        body = prompt[start + len("[fake:"):end].strip()
        name, sep, scenario = body.partition("=")
        if sep and name.strip() == vendor:
            return scenario.strip()
        if not sep and plain is None:
            plain = body
        start = prompt.find("[fake:", end)
    return plain


def _vendor(name):
    if name == "claude":
        return CLAUDE
    return importlib.import_module("fake_" + name).VENDOR


def main(name=None):
    sys.path.insert(0, _HERE)
    name = name or os.path.basename(sys.argv[0])
    vendor = _vendor(name)
    argv = sys.argv[1:]
    prompt = vendor.prompt_of(argv) or ""
    marker = _marker(prompt, vendor.name)
    run = Run(name, argv, prompt, marker or vendor.default)
    if marker is not None:
        run.state["scenario"] = marker
        run.save_state()
    elif "scenario" in run.state:
        # A resumed session's prompt is only the new information, without the marker: the worktree's earlier run
        # chose the scenario.
        run.scenario = run.state["scenario"]
    scenario = run.scenario
    run.emit({"type": "fake_invocation", "vendor": name, "scenario": scenario, "argv": argv,
              "env": dict(os.environ), "cwd": run.cwd})
    action = vendor.scenarios.get(scenario)
    if action is None:
        run.stderr("fake %s: unknown scenario '%s' (known: %s)" % (name, scenario, ", ".join(sorted(vendor.scenarios))))
        sys.exit(64)
    sys.exit(action(run) or 0)


# --- claude (also GLM, which runs through claude) ----------------------------------------------------------------

_FIXTURE_SESSION = "11111111-2222-4333-8444-555555555555"
_TOOL_USE_SESSION = "40e7b02d-c0f9-4876-9010-f514d4eb0603"


def _claude_prompt(argv):
    # The sidecar puts the prompt after "--"; a bare trailing positional is accepted too.
    if "--" in argv:
        rest = argv[argv.index("--") + 1:]
        return rest[0] if rest else ""
    return argv[-1] if argv else ""


def _claude_resume(argv):
    for argument in argv:
        if argument.startswith("--resume="):
            return argument[len("--resume="):]
    return None


def _claude_success(run, session=None):
    run.edit_work_file("claude did the work (%s)" % run.scenario)
    substitutions = {_TOOL_USE_SESSION: session} if session else None
    run.replay("claude-stream-tool-use.jsonl", substitutions)
    return 0


def _claude_rate_limit_then_success(run):
    # First run: an API-key 429 after the CLI's own retries (the overloaded capture with the 429 wording); later
    # runs in the same worktree succeed.
    count = run.state.get("runs", 0) + 1
    run.state["runs"] = count
    run.save_state()
    if count == 1:
        run.replay("claude-stream-api-overloaded.jsonl", {
            "\"error_status\":529": "\"error_status\":429",
            "\"error\":\"overloaded\"": "\"error\":\"rate_limit\"",
            "API Error: 529": "API Error: 429",
            "overloaded_error": "rate_limit_error",
            "\\\"message\\\":\\\"Overloaded\\\"": "\\\"message\\\":\\\"This request would exceed your account's rate limit. Please try again later.\\\"",
            "\"api_error_status\":529": "\"api_error_status\":429",
        })
        return 1
    return _claude_success(run)


def _claude_usage_limit(run):
    # Refused until the reset time it announced, then the limit is lifted (a run before it is refused again).
    announced = run.state.get("resets")
    if announced is not None and time.time() >= announced:
        return _claude_success(run)
    resets = run.epoch_in(5)
    run.state["resets"] = resets
    run.save_state()
    run.replay("claude-stream-rate-limit-rejected.jsonl", {"\"resetsAt\":1775847600": "\"resetsAt\":%d" % resets})
    return 1


def _claude_max_turns_then_resume(run):
    resume = _claude_resume(run.argv)
    if resume is None:
        session = run.new_session_id()
        run.state["session"] = session
        run.save_state()
        run.edit_work_file("claude started (turns ran out)")
        run.replay("claude-stream-error-max-turns.jsonl", {_FIXTURE_SESSION: session})
        return 1
    if resume != run.state.get("session"):
        return _claude_resume_not_found(run)
    return _claude_success(run, session=resume)


def _claude_resume_not_found(run):
    unknown = _claude_resume(run.argv) or "d56965c9-c855-4042-a8f5-f12bbb14d6f6"
    run.replay("claude-result-error-resume-not-found.json", {"d56965c9-c855-4042-a8f5-f12bbb14d6f6": unknown})
    return 1


def _claude_garbage_then_success(run):
    run.emit_raw("[SandboxDebug] not json at all")
    run.emit_raw("{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"te")
    run.emit_raw("{not json}")
    run.emit_raw("")
    run.emit_raw("[1,2,3]")
    return _claude_success(run)


def _claude_long_line(run):
    # One assistant line far beyond the runner's default 64 KiB line cut, then the normal success.
    text = "x" * (2 * 1024 * 1024)
    run.emit({"type": "assistant", "message": {"id": "msg_fake_long", "type": "message", "role": "assistant",
                                               "content": [{"type": "text", "text": text}]},
              "session_id": _TOOL_USE_SESSION})
    return _claude_success(run)


def _claude_hang(run):
    run.replay("claude-stream-success.jsonl", skip={1, 2})
    run.hang()


def _fixture_exit(name, code):
    def scenario(run):
        run.replay(name)
        return code
    return scenario


CLAUDE = Vendor("claude", _claude_prompt, {
    "success": _claude_success,
    "success-simple": lambda run: (run.edit_work_file("simple"), run.replay("claude-stream-success.jsonl"), 0)[2],
    "rate-limit-then-success": _claude_rate_limit_then_success,
    "usage-limit": _claude_usage_limit,
    "max-turns-then-resume": _claude_max_turns_then_resume,
    "resume-not-found": _claude_resume_not_found,
    "auth-error": _fixture_exit("claude-stream-auth-error.jsonl", 1),
    "overloaded": _fixture_exit("claude-stream-api-overloaded.jsonl", 1),
    "glm-usage-limit": _fixture_exit("glm-stream-usage-limit-1308.jsonl", 1),
    "permission-denied": _fixture_exit("claude-stream-tool-permission-denied.jsonl", 0),
    "garbage-then-success": _claude_garbage_then_success,
    "long-line": _claude_long_line,
    "no-result": lambda run: (run.replay("claude-stream-success.jsonl", skip={2}), 0)[1],
    "hang": _claude_hang,
    # The exit code and the report disagree (the sidecar trusts the report).
    "success-exit-1": lambda run: (_claude_success(run), 1)[1],
    "auth-error-exit-0": _fixture_exit("claude-stream-auth-error.jsonl", 0),
}, default="success")
