"""The DevServer demo's agent: does what a coding agent would do for "Implement calc.multiply", deterministically.

The script vendor runs it in the task's worktree with the task in DEVSERVER_TASK_* variables. It reads the code,
adds the missing function with a docstring, runs the tests, and commits; the sidecar sends the commit back.
"""
import os
import pathlib
import subprocess
import sys
import time


def say(text):
    """Print a progress line at once (the sidecar streams it to whoever watches the task)."""
    print(f"demo agent: {text}", flush=True)
    time.sleep(0.2)


def main():
    """Implement calc.multiply in the current directory; exit 1 when there is nothing to work on."""
    task = os.environ.get("DEVSERVER_TASK_ID", "?")
    title = os.environ.get("DEVSERVER_TASK_TITLE", "(no title)")
    say(f"task {task}: {title}")
    source_file = pathlib.Path("calc.py")
    if not source_file.exists():
        print(f"demo agent: no calc.py in {os.getcwd()}; this agent only knows the demo project",
              file=sys.stderr, flush=True)
        return 1

    source = source_file.read_text(encoding="utf-8")
    say(f"read calc.py ({len(source.splitlines())} lines): add and subtract, no multiply")
    if "def multiply(" in source:
        say("calc.multiply already exists; nothing to do")
        return 0

    say("writing multiply(a, b) with a docstring, in the style of the module")
    source = source.rstrip("\n") + '\n\n\ndef multiply(a, b):\n    """Return the product of a and b."""\n    return a * b\n'
    source_file.write_text(source, encoding="utf-8")

    say("running the tests")
    tests = subprocess.run([sys.executable, "-B", "-m", "unittest", "-q"], capture_output=True, text=True)
    for line in tests.stderr.splitlines():
        if line.strip():
            say(f"  {line}")
    if tests.returncode != 0:
        print("demo agent: the tests still fail", file=sys.stderr, flush=True)
        return 1

    commit = subprocess.run(
        ["git", "-c", "user.name=DevServer demo agent", "-c", "user.email=demo-agent@devserver.invalid",
         "commit", "--quiet", "--all", "--message", "calc: add multiply",
         "--message", "Implements calc.multiply(a, b), the product of a and b; test_multiply passes."],
        capture_output=True, text=True)
    if commit.returncode == 0:
        say("committed: calc: add multiply")
    else:
        say("left the change uncommitted (the sidecar commits it): " + commit.stderr.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
