"""The code's shape, as issue 9 measures it: the largest production files, the functions over
80 lines, and the median length of the Slack listeners (`handle_*` in handlers/).

    .venv/bin/python bench/shape.py

Production code is bot/, handlers/ and storage/ without the generated Alembic migrations.
Lengths count every line from `def` to the function's last line (docstrings included).
"""

from __future__ import annotations

import ast
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage")
LONG_FUNCTION = 80


def production_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations/versions" not in path.as_posix()
    )


def main() -> None:
    files = production_files()
    sizes = sorted(((len(p.read_text().splitlines()), p) for p in files), reverse=True)
    long: list[tuple[int, str]] = []
    listeners: list[int] = []
    for path in files:
        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > LONG_FUNCTION:
                long.append((length, f"{name}:{node.name}"))
            if node.name.startswith("handle_") and name.startswith("handlers/"):
                listeners.append(length)
    print(f"production files: {len(files)}, {sum(n for n, _ in sizes):,} lines")
    for lines, path in sizes[:5]:
        print(f"  {lines:5d}  {path.relative_to(ROOT).as_posix()}")
    print(f"functions over {LONG_FUNCTION} lines: {len(long)}")
    for lines, where in sorted(long, reverse=True):
        print(f"  {lines:5d}  {where}")
    median = statistics.median(listeners) if listeners else 0
    print(f"listeners: {len(listeners)}, median {median:g} lines")


if __name__ == "__main__":
    main()
