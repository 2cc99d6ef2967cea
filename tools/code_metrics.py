"""Size and complexity of the project's own code, for the architecture's before-and-after figures.

    .venv/bin/python tools/code_metrics.py [ROOT]

Prints module lines (median, p90), function lines (median, p90) and the share of functions at radon
complexity C or worse (11 and up), over the apps' Python files (migrations and tests left out).
"""

import statistics
import sys
from pathlib import Path

from radon.complexity import cc_rank
from radon.visitors import ComplexityVisitor

APPS = (
    "dataplatform",
    "audit",
    "catalog",
    "sharing",
    "opening",
    "correction",
    "governance",
    "supervision",
    "federation",
    "operations",
)


def quantile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(root: Path) -> None:
    modules, functions = [], []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")) if (root / app).is_dir() else []:
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            modules.append(len(source.splitlines()))
            visitor = ComplexityVisitor.from_code(source)
            blocks = list(visitor.functions)
            for klass in visitor.classes:
                blocks.extend(klass.methods)
            functions.extend(blocks)
    lengths = [b.endline - b.lineno + 1 for b in functions]
    worse = sum(1 for b in functions if cc_rank(b.complexity) >= "C")
    print(
        f"modules: {len(modules)}, lines median {statistics.median(modules):.0f}, p90 {quantile(modules, 0.9):.0f}"
    )
    print(
        f"functions: {len(lengths)}, lines median {statistics.median(lengths):.0f}, p90 {quantile(lengths, 0.9):.0f}"
    )
    print(f"complexity C or worse: {worse} ({100 * worse / len(functions):.1f}%)")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve())
