"""Lint: lock only the row you mean.

``select_for_update()`` on a query that joins other tables (``select_related``) locks the joined rows too
(PostgreSQL's FOR UPDATE without OF): an aggregation locking its entry would also lock the producer's
unit, and every data call that writes an audit event naming that unit would wait for it. Such a call must
say which rows it locks: ``select_for_update(of=("self",))``.

Usage: python tools/check_locks.py [paths...]  (the project's code by default); prints file:line of each
offending call and exits 1 if there is one.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", "migrations", "var", ".git", "__pycache__"}


def chain_methods(node: ast.AST) -> list[ast.Call]:
    """The method calls of a chain ``a.b(...).c(...)``, innermost first."""
    calls = []
    while True:
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                calls.append(node)
                node = node.func.value
                continue
            break
        if isinstance(node, ast.Attribute):
            node = node.value
            continue
        break
    return list(reversed(calls))


def chain_root(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Call | ast.Attribute):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def name_of(call: ast.Call) -> str:
    return call.func.attr  # type: ignore[attr-defined]


class Checker(ast.NodeVisitor):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.joined: list[set[str]] = [set()]  # per scope: names bound to a query with select_related

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802 (the ast API)
        self.joined.append(set())
        self.generic_visit(node)
        self.joined.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_Assign(self, node: ast.Assign) -> None:  # noqa: N802
        if any(name_of(c) == "select_related" for c in chain_methods(node.value)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.joined[-1].add(target.id)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        if self.is_outermost(node):
            self.check_chain(node)
        self.generic_visit(node)

    def is_outermost(self, node: ast.Call) -> bool:
        parent = getattr(node, "parent", None)
        return not (isinstance(parent, ast.Attribute) and parent.value is node)

    def check_chain(self, node: ast.Call) -> None:
        calls = chain_methods(node)
        names = {name_of(c) for c in calls}
        root = chain_root(node)
        joined = "select_related" in names or (
            isinstance(root, ast.Name) and any(root.id in scope for scope in self.joined)
        )
        if not joined:
            return
        for call in calls:
            if name_of(call) == "select_for_update" and not any(k.arg == "of" for k in call.keywords):
                self.problems.append(
                    f"{self.path}:{call.lineno}: select_for_update() without of= on a query with "
                    'select_related locks the joined rows too: lock only the row you mean, of=("self",)'
                )


def check_file(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    if "select_for_update" not in source:
        return []
    tree = ast.parse(source, filename=str(path))
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            child.parent = parent  # type: ignore[attr-defined]
    checker = Checker(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    checker.visit(tree)
    return checker.problems


def python_files(paths: list[Path]):
    for path in paths:
        if path.is_file():
            yield path
            continue
        for file in sorted(path.rglob("*.py")):
            if not SKIP.intersection(file.relative_to(path).parts):
                yield file


def main(argv: list[str]) -> int:
    paths = [Path(arg).resolve() for arg in argv] or [ROOT]
    problems = [problem for file in python_files(paths) for problem in check_file(file)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
