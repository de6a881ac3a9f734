"""Fake `codex` (`codex exec --json … [resume <id>] <prompt>`): replays the codex-* fixtures.

Scenarios (marker ``[fake:<name>]`` in the prompt): success (default, three commands), success-simple, file-change,
failed-command, docs-sample, rate-limit-then-success, usage-limit, failure-then-resume, resume-new-thread,
auth-error, context-window, garbage-then-success, no-terminal, bad-args, hang. Codex has no turn limit, so the
"continue the session" path is failure-then-resume (a failed turn, then `resume <thread_id>`). Exit codes follow the
CLI: 1 for a failed turn, 2 for bad arguments.
"""

import datetime

from fake_agent_cli import Vendor

_ERROR_THREAD = "019c0000-0000-7000-8000-000000000001"
_RESUME_THREAD = "019ab7c5-3c6c-7dd3-8e6e-cec2a5a49a62"
_SUCCESS_THREAD = "019c8140-6f07-7fb1-86f8-4813739c32bb"
_TOOL_USE_THREAD = "019c8143-abe2-7722-9bd1-fd70f687175b"


def _prompt(argv):
    # The prompt is the last argument (after "--" when it starts with a dash).
    return argv[-1] if argv else ""


def _resume(argv):
    if "resume" in argv:
        index = argv.index("resume")
        if index + 1 < len(argv) and argv[index + 1] != "--":
            return argv[index + 1]
    return None


def _success(run):
    run.edit_work_file("codex did the work (%s)" % run.scenario)
    run.replay("codex-exec-tool-use.jsonl")
    return 0


def _fixture(name, code, work=False):
    def scenario(run):
        if work:
            run.edit_work_file("codex did the work (%s)" % run.scenario)
        run.replay(name)
        return code
    return scenario


def _rate_limit_then_success(run):
    count = run.state.get("runs", 0) + 1
    run.state["runs"] = count
    run.save_state()
    if count == 1:
        run.replay("codex-error-retry-exhausted.jsonl")
        return 1
    return _success(run)


def _usage_limit(run):
    # Codex prints the reset as a local time of day when it is today: two minutes from now, as the CLI formats it.
    resets = datetime.datetime.now() + datetime.timedelta(minutes=2)
    when = resets.strftime("%I:%M %p").lstrip("0")
    run.replay("codex-error-usage-limit.jsonl", {"3:28 PM": when})
    return 1


def _failure_then_resume(run):
    resume = _resume(run.argv)
    if resume is None:
        thread = run.new_session_id()
        run.state["thread"] = thread
        run.save_state()
        run.edit_work_file("codex started (the turn failed)")
        run.replay("codex-error-retry-exhausted.jsonl", {_ERROR_THREAD: thread})
        return 1
    if resume != run.state.get("thread"):
        return _resume_new_thread(run)
    run.edit_work_file("codex resumed %s" % resume)
    run.replay("codex-exec-resume-0.6x.jsonl", {_RESUME_THREAD: resume})
    return 0


def _resume_new_thread(run):
    # Older builds (0.66) silently started a new thread for an unknown id.
    run.replay("codex-exec-success.jsonl", {_SUCCESS_THREAD: run.new_session_id()})
    return 0


def _garbage_then_success(run):
    run.emit_raw("warning: this is not json")
    run.emit_raw('{"type":"item.completed","item":{"id":"item_9","type":"agent_mes')
    run.emit_raw("{not json}")
    run.emit_raw("")
    run.emit_raw('{"type":"item.plan.delta","item_id":"item_0","delta":"step"}')
    return _success(run)


def _no_terminal(run):
    run.replay("codex-exec-tool-use.jsonl", skip={11})
    return 0


def _bad_args(run):
    run.stderr("error: unexpected argument '--bogus' found")
    run.stderr("")
    run.stderr("Usage: codex exec [OPTIONS] [PROMPT]")
    return 2


def _hang(run):
    run.replay("codex-exec-tool-use.jsonl", skip=set(range(2, 12)))
    run.hang()


VENDOR = Vendor("codex", _prompt, {
    "success": _success,
    "success-simple": _fixture("codex-exec-success.jsonl", 0, work=True),
    "file-change": _fixture("codex-exec-file-change.jsonl", 0, work=True),
    "failed-command": _fixture("codex-exec-failed-command.jsonl", 0),
    "docs-sample": _fixture("codex-exec-docs-sample.jsonl", 0),
    "rate-limit-then-success": _rate_limit_then_success,
    "usage-limit": _usage_limit,
    "failure-then-resume": _failure_then_resume,
    "resume-new-thread": _resume_new_thread,
    "auth-error": _fixture("codex-error-unauthorized.jsonl", 1),
    "context-window": _fixture("codex-error-context-window.jsonl", 1),
    "garbage-then-success": _garbage_then_success,
    "no-terminal": _no_terminal,
    "bad-args": _bad_args,
    "hang": _hang,
}, default="success")
