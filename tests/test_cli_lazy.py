"""A command loads only its own module: ``complaints kpi`` never imports the PDF renderer."""

from __future__ import annotations

import subprocess
import sys

from tests import ROOT

CHILD = """
import contextlib, io, sys
from queries.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
print(code, 'fpdf' in sys.modules, 'queries.cli.commands.report' in sys.modules)
"""


def _run(*argv: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *argv], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def test_a_command_imports_only_its_own_module(tmp_path):
    missing = tmp_path / "none.duckdb"
    assert _run("--db", str(missing), "kpi", "--from", "2026-10-01", "--to", "2026-11-01") == [
        "4",
        "False",
        "False",
    ]


def test_the_report_command_still_loads_the_renderers_it_needs(tmp_path):
    missing = tmp_path / "none.duckdb"
    code, _, report_loaded = _run(
        "--db", str(missing), "report", "--month", "2026-10", "--format", "pdf", "-o", "x"
    )
    assert (code, report_loaded) == ("4", "True")
