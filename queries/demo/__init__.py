"""The demo company: a seeded, deterministic database of 华信电器's complaints.

``build_demo`` generates the records with NumPy (``company`` holds the organisation and its
stories, ``generate`` the arrays), writes them through ``store.write_transaction`` (the only
write path) and the same records as template export files (``export``). Same seed, end
month, rows and months → identical table contents.

The ``*_RANGE`` constants are what the generator promises about its data at the default
size; ``tests/test_demo.py`` checks them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from queries import staging, store
from queries.demo import company, export, writer
from queries.demo import generate as gen

DEFAULT_ROWS = 50_000
DEFAULT_SEED = 20251
DEFAULT_MONTHS = 24
GENERATOR_VERSION = "1"

# What the data looks like (fractions; checked by the tests on the default-size demo).
VALID_RATE_RANGE = (0.55, 0.65)  # is_valid true / is_valid known
REPEAT_SHARE_RANGE = (0.05, 0.08)  # same customer + category within 30 days, or linked
PARENT_LINKED_RANGE = (0.025, 0.045)  # complaints with parent_complaint_id set
SURVEY_COVERAGE_RANGE = (0.75, 0.85)  # surveyed / resolved
CSAT_RANGE = (0.70, 0.85)  # satisfaction 4-5 / surveyed
MAJOR_SHARE_RANGE = (0.01, 0.02)
URGENT_SHARE_RANGE = (0.08, 0.16)
ESCALATED_SHARE_RANGE = (0.06, 0.10)  # escalation_level >= 2
MULTI_DEPARTMENT_RANGE = (0.04, 0.07)
MALICIOUS_SHARE_RANGE = (0.003, 0.008)  # of resolved complaints
PENALTY_COVERAGE_RANGE = (0.30, 0.40)  # valid complaints with a penalty record
JOINT_FINE_RECORDED_RANGE = (0.6, 0.95)  # of fined records on escalated complaints
RESPONSE_24H_RANGE = (0.90, 0.98)  # general complaints answered within 24 hours
RESOLVED_5_DAYS_RANGE = (0.80, 0.95)  # general complaints resolved within 5 calendar days
OPEN_AT_END_RANGE = (0.002, 0.03)  # complaints not resolved by the as-of
MIN_GROUP_INCIDENTS = 3  # ≥5 customers, same department and category, within 24 h


@dataclass(frozen=True)
class DemoSummary:
    """What ``build_demo`` built."""

    db_path: str
    seed: int
    end_month: str
    first_month: str
    months: int
    complaints: int
    penalties: int
    departments: int
    volume_rows: int
    as_of: str
    export_dir: str | None
    export_files: list[str] = field(default_factory=list)
    xlsx_skipped: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict."""
        return asdict(self)


def default_end_month(today: dt.date | None = None) -> str:
    """The last complete month before ``today`` (``YYYY-MM``)."""
    today = today or dt.date.today()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def parse_end_month(text: str) -> str:
    """Validate ``YYYY-MM`` and return it normalised; raises ``ValueError``."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise ValueError(f"end month must be YYYY-MM, got {text!r}")
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def _duckdb_memory_limit_mib() -> int:
    """DuckDB's memory limit for the demo build: 40% of the machine's memory (DuckDB's own
    default of 80% ran a 10M-row build out of memory next to the generator's arrays)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(1024, int(total * 0.4) // 2**20)


class _AlreadyBuilt(Exception):
    """Raised inside the transaction when another process built the database first."""


def build_demo(
    db_path: Path | str,
    *,
    rows: int = DEFAULT_ROWS,
    seed: int = DEFAULT_SEED,
    months: int = DEFAULT_MONTHS,
    end_month: str | None = None,
    export_dir: Path | str | None = None,
    exports: bool = True,
    progress: Callable[[str], None] | None = None,
    only_if_missing: bool = False,
) -> DemoSummary:
    """Build the demo database (replacing the file's contents) and its export files.

    Args:
        db_path: the database file to (re)create.
        rows: number of complaints (≥ 500).
        seed: the random seed; with ``end_month``, ``rows`` and ``months`` it fixes the data.
        months: months of data (1-120), ending with ``end_month``.
        end_month: ``YYYY-MM``; default the last complete month before today.
        export_dir: where the template files go; default ``<db dir>/demo_exports``.
        exports: write the export files (``--no-exports`` turns this off).
        progress: called with short progress messages.
        only_if_missing: build only if ``db_path`` does not exist once the writer lock is
            held (raises ``FileExistsError`` otherwise); used by ``ensure_demo``.

    Returns:
        A ``DemoSummary``.
    """
    if rows < 500:
        raise ValueError("the demo needs at least 500 complaints")
    if not 1 <= months <= 120:
        raise ValueError("months must be between 1 and 120")
    end_month = parse_end_month(end_month) if end_month else default_end_month()
    db_path = Path(db_path)
    out_dir = Path(export_dir) if export_dir else db_path.parent / "demo_exports"
    say = progress or (lambda _msg: None)
    started = time.perf_counter()

    say(f"generating {rows:,} complaints over {months} months to {end_month} (seed {seed})")
    g = gen.generate(rows, seed, end_month, months)
    meta = {
        "demo_seed": str(seed),
        "demo_end_month": end_month,
        "demo_rows": str(rows),
        "demo_months": str(months),
        "demo_company": f"{company.COMPANY_ZH} {company.COMPANY_EN}",
        "demo_generator_version": GENERATOR_VERSION,
    }
    temp_files: list[Path] = []
    skipped: str | None = None
    try:
        with store.write_transaction(db_path, fresh=True, derive=staging.refresh) as conn:
            if only_if_missing and db_path.exists():
                raise _AlreadyBuilt
            conn.execute("set enable_progress_bar = false")
            # leave room for this process's arrays and everyone else: DuckDB spills instead
            conn.execute(f"set memory_limit = '{_duckdb_memory_limit_mib()}MiB'")
            say("writing the database")
            writer.insert_master_data(conn, g, meta)
            writer.insert_complaints(conn, g)
            writer.insert_penalties(conn, g)
            first_month, as_of_seconds = g.months[0], g.as_of
            del g  # free the arrays before the staging refresh needs the memory
            cur = conn.cursor()  # a separate cursor: no unfinished result left on ``conn``
            try:
                counts = store.table_counts(cur)
            finally:
                cur.close()
            if exports:
                say(f"writing export files to {out_dir}")
                temp_files, skipped = export.write_exports(conn, out_dir, progress=say)
            say("refreshing derived tables and publishing")
    except _AlreadyBuilt:
        raise FileExistsError(f"{db_path}: already exists") from None
    except BaseException:
        export.discard(temp_files)
        raise
    files = export.publish(temp_files)
    if skipped:
        (out_dir / "complaints.xlsx").unlink(missing_ok=True)  # never leave a stale workbook
        say(skipped)
    as_of = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=as_of_seconds)
    return DemoSummary(
        db_path=str(db_path),
        seed=seed,
        end_month=end_month,
        first_month=first_month.strftime("%Y-%m"),
        months=months,
        complaints=counts["complaints"],
        penalties=counts["penalties"],
        departments=counts["departments"],
        volume_rows=counts["business_volumes"],
        as_of=as_of.isoformat(sep=" "),
        export_dir=str(out_dir) if exports else None,
        export_files=[str(p) for p in files],
        xlsx_skipped=skipped,
        seconds=round(time.perf_counter() - started, 2),
    )


def ensure_demo(db_path: Path | str, progress: Callable[[str], None] | None = None) -> bool:
    """Build the default demo database (without export files) if ``db_path`` does not exist.

    Returns:
        True if it was built now, False if a database was already there.
    """
    db_path = Path(db_path)
    if db_path.exists():
        return False
    try:
        build_demo(db_path, exports=False, progress=progress, only_if_missing=True)
    except FileExistsError:
        return False
    return True


__all__ = [
    "DEFAULT_MONTHS",
    "DEFAULT_ROWS",
    "DEFAULT_SEED",
    "DemoSummary",
    "build_demo",
    "default_end_month",
    "ensure_demo",
    "parse_end_month",
]
