"""Fake `gemini` (Gemini CLI, `-p <prompt> --output-format stream-json`): replays the gemini-* fixtures.

Scenarios (marker ``[fake:<name>]`` in the prompt): success (default), success-snapshot, loop-detected, max-turns-soft,
rate-limit-then-success, usage-limit, quota-json-stderr, max-turns-then-resume, resume-not-found, auth-error,
auth-error-json, garbage-then-success, no-result, hang. Exit codes follow the CLI: 41 auth, 53 turn limit, 173 for an
API 429 (HTTP status mod 256), 1 otherwise.
"""

import datetime

from fake_agent_cli import Vendor

_TOOL_USE_SESSION = "abc123"
_SYNTHETIC_SESSION = "33333333-4444-4555-8666-777777777777"
_SNAPSHOT_SESSION = "test-session-id"


def _prompt(argv):
    for index, argument in enumerate(argv):
        if argument in ("-p", "--prompt") and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith("--prompt="):
            return argument[len("--prompt="):]
    return ""


def _resume(argv):
    for index, argument in enumerate(argv):
        if argument in ("-r", "--resume") and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith("--resume="):
            return argument[len("--resume="):]
    return None


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _snapshot(run, title):
    """The lines of one stream of the vitest snapshot file, placeholders replaced (<DURATION> is not valid JSON)."""
    lines, inside = [], False
    for line in run.fixture("gemini-stream-formatter-snapshots.txt"):
        if line.startswith("exports["):
            inside = title in line
            continue
        if inside and line.lstrip('"').startswith("{"):
            lines.append(line.lstrip('"').replace("<TIMESTAMP>", _now()).replace("<DURATION>", "1234"))
    return lines


def _emit_all(run, lines, substitutions=None):
    for line in lines:
        for old, new in (substitutions or {}).items():
            line = line.replace(old, new)
        run.emit_raw(line)


def _success(run, session=None):
    run.edit_work_file("gemini did the work (%s)" % run.scenario)
    run.replay("gemini-stream-tool-use.jsonl", {'"session_id":"abc123"': '"session_id":"%s"' % (session or _TOOL_USE_SESSION)})
    return 0


def _snapshot_scenario(title, work):
    def scenario(run):
        if work:
            run.edit_work_file("gemini did the work (%s)" % run.scenario)
        _emit_all(run, _snapshot(run, title))
        return 0
    return scenario


def _retries(run, count=2):
    # What the CLI prints on stderr while it backs off (gemini-cli retryWithBackoff).
    for attempt in range(1, count + 1):
        run.stderr("Attempt %d failed: You have exhausted your capacity on this model. Your quota will reset after 5s.. "
                   "Retrying after %dms..." % (attempt, 5000 + attempt * 1000))


def _usage_limit(run):
    _retries(run)
    run.replay("gemini-stream-api-error.jsonl")
    return 173


def _rate_limit_then_success(run):
    count = run.state.get("runs", 0) + 1
    run.state["runs"] = count
    run.save_state()
    if count == 1:
        return _usage_limit(run)
    return _success(run)


def _max_turns_then_resume(run):
    resume = _resume(run.argv)
    if resume is None:
        session = run.new_session_id()
        run.state["session"] = session
        run.save_state()
        run.edit_work_file("gemini started (turns ran out)")
        run.replay("gemini-stream-max-turns.jsonl", {_SYNTHETIC_SESSION: session})
        return 53
    if resume != run.state.get("session"):
        return _resume_not_found(run)
    return _success(run, session=resume)


def _resume_not_found(run):
    # SYNTHETIC wording (no capture of this case): a bad --resume exits 1 with a message on stderr.
    run.stderr("Error resuming session: Invalid session identifier \"%s\"." % (_resume(run.argv) or ""))
    return 1


def _auth_error(run):
    # stream-json: the auth check fails before the stream formatter exists, so the text goes to stderr (exit 41).
    run.stderr("Please set an Auth method in your %s/.gemini/settings.json or specify one of the following environment "
               "variables before running: GEMINI_API_KEY, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GENAI_USE_GCA" % "~")
    return 41


def _stderr_fixture(name, code):
    def scenario(run):
        for line in run.fixture(name):
            run.stderr(line)
        return code
    return scenario


def _garbage_then_success(run):
    run.emit_raw("YOLO mode is enabled. All tool calls will be automatically approved.")
    run.emit_raw('{"type":"message","timestamp":"2025-10-10T12:00:01.000Z","role":"assis')
    run.emit_raw("{not json}")
    run.emit_raw("")
    run.emit_raw('{"type":"future_event","timestamp":"2025-10-10T12:00:01.500Z","detail":{"x":1}}')
    return _success(run)


def _no_result(run):
    run.replay("gemini-stream-tool-use.jsonl", skip={5})
    return 0


def _hang(run):
    run.replay("gemini-stream-tool-use.jsonl", skip={2, 3, 4, 5})
    run.hang()


VENDOR = Vendor("gemini", _prompt, {
    "success": _success,
    "success-snapshot": _snapshot_scenario("should emit appropriate events for streaming JSON output", True),
    "loop-detected": _snapshot_scenario("'loop detected'", False),
    "max-turns-soft": _snapshot_scenario("'max session turns'", False),
    "rate-limit-then-success": _rate_limit_then_success,
    "usage-limit": _usage_limit,
    "quota-json-stderr": _stderr_fixture("gemini-json-quota-error.stderr.json", 173),
    "max-turns-then-resume": _max_turns_then_resume,
    "resume-not-found": _resume_not_found,
    "auth-error": _auth_error,
    "auth-error-json": _stderr_fixture("gemini-json-auth-error.json", 41),
    "garbage-then-success": _garbage_then_success,
    "no-result": _no_result,
    "hang": _hang,
}, default="success")
