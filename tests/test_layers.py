"""The tree shows the flow: every module imports only from its own layer or lower ones,
there is no import cycle, and the app reaches data only through the engine."""

from __future__ import annotations

import ast
from pathlib import Path

from tests import ROOT

# Lowest first. A module belongs to the first prefix that matches its dotted name.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "queries.paths",
        "queries.errors",
        "queries.limits",
        "queries.config",
        "queries.metrics",
        "queries.periods",
        "queries.privacy",
        "queries.exports",
        "queries.output",
        "queries.i18n",
        "queries.audit",
    ),
    ("queries.store",),
    ("queries.staging",),
    ("queries.context", "queries.importer", "queries.spark"),
    ("queries.marts",),
    ("queries.reports",),
    ("queries.demo",),
    ("queries.cli", "queries"),
    ("dashboard",),
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    for level, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return level
    raise AssertionError(f"{module} is in no layer")


def _imports(path: Path) -> set[str]:
    """Every project module ``path`` imports (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from a.b import c": the module a.b.c when it is one, else a.b (resolved below)
            names = [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n for n in names if n.split(".")[0] in ("queries", "dashboard")}
    return found


def _graph() -> dict[str, set[str]]:
    files = [p for d in ("queries", "dashboard") for p in (ROOT / d).rglob("*.py")]
    modules = {_module_name(p): p for p in files}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imp in _imports(path):
            # "from queries.marts import kpi" names the module queries.marts.kpi
            while imp and imp not in modules:
                imp = imp.rpartition(".")[0]
            if imp and imp != name:
                targets.add(imp)
        graph[name] = targets
    return graph


def test_no_module_imports_from_a_higher_layer():
    wrong = [
        f"{src} (layer {_layer(src)}) imports {dst} (layer {_layer(dst)})"
        for src, dsts in _graph().items()
        for dst in dsts
        if _layer(dst) > _layer(src)
    ]
    assert wrong == []


def test_there_is_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            # a package's __init__ re-exporting its own submodules is not a cycle
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_app_never_imports_duckdb():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "dashboard").rglob("*.py")
        if any(
            isinstance(n, ast.Import | ast.ImportFrom)
            and any(
                (a.name if isinstance(n, ast.Import) else (n.module or "")).split(".")[0]
                == "duckdb"
                for a in n.names
            )
            for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        )
    ]
    assert offenders == []
