"""The sample project's linter: every module parses, public functions and classes have docstrings,
lines are at most 100 characters, and there are no tabs or trailing spaces."""
import ast
import pathlib
import sys

MAX_LINE = 100


def check(path):
    """Return the problems found in one file, as 'file:line: message' strings."""
    problems = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE:
            problems.append(f"{path}:{number}: line longer than {MAX_LINE} characters")
        if "\t" in line:
            problems.append(f"{path}:{number}: tab character")
        if line != line.rstrip():
            problems.append(f"{path}:{number}: trailing whitespace")
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as error:
        return problems + [f"{path}:{error.lineno}: {error.msg}"]
    if ast.get_docstring(tree) is None:
        problems.append(f"{path}:1: module without a docstring")
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if not node.name.startswith(("_", "test")) and ast.get_docstring(node) is None:
            problems.append(f"{path}:{node.lineno}: {node.name} has no docstring")
    return problems


def main():
    """Lint every Python file under the current directory; exit 1 when anything is wrong."""
    files = sorted(p for p in pathlib.Path(".").rglob("*.py") if ".git" not in p.parts)
    problems = [problem for path in files for problem in check(path)]
    for problem in problems:
        print(problem)
    print(f"lint: {len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
