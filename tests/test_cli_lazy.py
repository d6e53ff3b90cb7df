"""A command loads only what it needs: the read commands (``kpi``, ``scores``,
``accountability``, ``info``) never import the renderers, the importer, the app or the other
commands' modules, and ``kpi`` runs the handling-ladder queries only when asked."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from tests import ROOT
from tests.kpi_rows import row

T = dt.datetime

# Runs the CLI in a fresh interpreter and reports its exit code, stdout, and the modules
# loaded of those given on the command line after "--" (a name matches its submodules too).
CHILD = """
import contextlib, io, json, sys
from queries.cli import main
split = sys.argv.index("--")
argv, watched = sys.argv[1:split], sys.argv[split + 1:]
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    code = main(argv)
loaded = sorted(m for m in sys.modules if any(m == w or m.startswith(w + ".") for w in watched))
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(), "loaded": loaded}))
"""

#: Never needed to read and print numbers (renderers, spreadsheet libraries, charts, the app,
#: the importer and its file readers, the demo generator, Spark).
FORBIDDEN = (
    "fpdf",
    "pptx",
    "openpyxl",
    "xlsxwriter",
    "python_calamine",
    "charset_normalizer",
    "plotly",
    "streamlit",
    "pyspark",
    "sqlglot",
    "dashboard.ui",
    "dashboard.views",
    "queries.importer",
    "queries.reports",
    "queries.demo",
    "queries.spark",
)


def _run(*argv: str, watch: tuple[str, ...] = FORBIDDEN) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *argv, "--", *watch, "queries.cli.commands"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout)


def test_a_command_imports_only_its_own_module(tmp_path):
    missing = tmp_path / "none.duckdb"
    got = _run("--db", str(missing), "kpi", "--from", "2026-10-01", "--to", "2026-11-01")
    assert got["code"] == 4
    assert got["loaded"] == ["queries.cli.commands", "queries.cli.commands.kpi"]


def test_the_report_command_still_loads_the_renderers_it_needs(tmp_path):
    missing = tmp_path / "none.duckdb"
    argv = ("--db", str(missing), "report", "--month", "2026-10", "--format", "pdf", "-o", "x")
    got = _run(*argv, watch=("queries.reports",))
    assert got["code"] == 4
    assert "queries.cli.commands.report" in got["loaded"]


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory):
    """Three October complaints of two departments whose source has no stage columns (so the
    handling-ladder metrics are "not measured" for them)."""
    from tests.conftest import build_db

    return build_db(
        tmp_path_factory.mktemp("lazy") / "small.duckdb",
        departments=[
            dict(department_id="D1", name_zh="客服中心"),
            dict(department_id="D2", name_zh="售后部"),
        ],
        complaints=[
            row("a", T(2025, 10, 13, 9), resolved_at=T(2025, 10, 15), is_valid=True),
            row("b", T(2025, 10, 14, 9), resolved_at=T(2025, 10, 20)),
            row("c", T(2025, 10, 15, 9), department="售后部"),
        ],
    )


READS = {
    "kpi": ["kpi", "--from", "2025-10-01", "--to", "2025-11-01", "--by", "department"],
    "scores": ["scores", "--month", "2025-10", "--format", "json"],
    "accountability": [
        "accountability",
        "--from",
        "2025-10-01",
        "--to",
        "2025-11-01",
        "--format",
        "json",
    ],
    "info": ["info", "--format", "json"],
}


@pytest.mark.parametrize("command", READS)
def test_a_read_command_loads_no_renderer_importer_app_or_other_command(small_db, command):
    got = _run("--db", str(small_db), *READS[command])
    assert (got["code"], got["err"]) == (0, ""), got["err"]
    own = {
        # accountability reuses the kpi command's --where parser and scores' --as-of
        "accountability": ["accountability", "kpi", "scores"],
    }.get(command, [command])
    assert got["loaded"] == ["queries.cli.commands", *(f"queries.cli.commands.{c}" for c in own)]
    printed = json.loads(got["out"])
    if command == "kpi":
        assert [(r["department"], r["received"], r["resolved"]) for r in printed] == [
            ("售后部", 1, 0),
            ("客服中心", 2, 2),
        ]
    elif command == "info":
        assert printed["tables"]["complaints"] == 3
        assert printed["as_of"] == "2025-10-20 00:00:00"
    elif command == "scores":
        # 售后部 loses nothing; 客服中心 has a deduction, so ranks second
        assert [(r["department"], r["n_complaints"], r["rank"]) for r in printed] == [
            ("售后部", 1, 1),
            ("客服中心", 2, 2),
        ]
        assert printed[0]["score"] == 100.0 and printed[1]["score"] < 100.0
    else:  # one valid complaint (a), no penalty record
        assert [(r["n_valid"], r["penalties"], r["accountability_coverage"]) for r in printed] == [
            (1, 0, 0.0)
        ]


def test_kpi_prints_the_handling_ladder_only_when_asked_with_the_same_other_numbers(small_db):
    from queries.metrics import LADDER_METRICS

    args = ["--db", str(small_db), *READS["kpi"]]
    plain, ladder = _run(*args), _run(*args, "--ladder")
    assert plain["code"] == ladder["code"] == 0
    assert (
        plain["loaded"] == ladder["loaded"] == ["queries.cli.commands", "queries.cli.commands.kpi"]
    )
    rows, full = json.loads(plain["out"]), json.loads(ladder["out"])
    assert "stage_classify_on_time_rate" in full[0] and "time_share_resolve" in full[0]
    for short, long in zip(rows, full, strict=True):
        # the source supplied no stage columns: with --ladder they are listed not measured
        assert "stage_classify_on_time_rate" in long["not_measured"]
        assert long["coverage"]["stage_classify_on_time_rate"] == 0.0
        # without it they are neither printed nor listed as not measured
        assert not set(short) & LADDER_METRICS
        assert not set(short["coverage"]) & LADDER_METRICS
        assert short["not_measured"] == [m for m in long["not_measured"] if m not in LADDER_METRICS]
        assert short["coverage"] == {
            m: v for m, v in long["coverage"].items() if m not in LADDER_METRICS
        }
        ladder_columns = set(long) - set(short)
        assert ladder_columns >= LADDER_METRICS
        assert all(c in LADDER_METRICS or "stage_" in c or "ladder" in c or c.startswith("n_")
                   for c in ladder_columns), ladder_columns  # fmt: skip
        assert {k: v for k, v in long.items() if k in short and k not in
                ("not_measured", "coverage", "small_sample")} == {
            k: v for k, v in short.items() if k not in ("not_measured", "coverage", "small_sample")
        }  # fmt: skip
