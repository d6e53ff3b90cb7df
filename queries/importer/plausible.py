"""Values that cannot be true never reach a KPI: checks on parsed rows, after value parsing.

* a complaint received after the import time plus a tolerance, or before the earliest
  plausible year, is rejected (the default as-of would otherwise jump to it);
* an acknowledgement, first response, resolution or closure before the receipt is dropped
  (the complaint stays; the field is reported as a warning);
* a negative compensation, fine or joint fine is rejected;
* a text cell longer than 32,767 characters (Excel's cell limit) is cut there, ending in
  ``TRUNCATED_MARK``, with a warning (one 5-million-character description would otherwise
  make every view of it send megabytes).

Both bounds come from ``Limits`` (``COMPLAINTS_IMPORT_FUTURE_HOURS``,
``COMPLAINTS_IMPORT_EARLIEST_YEAR``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from queries.importer.values import Parsed
from queries.limits import Limits

#: Timestamps that must not precede ``received_at`` (complaints).
AFTER_RECEIPT = ("acknowledged_at", "first_response_at", "resolved_at", "closed_at")
#: Money columns that must not be negative, per kind.
MONEY = {
    "complaints": ("compensation_amount",),
    "penalties": ("fine_amount", "joint_fine_amount"),
}


TEXT_CAP = 32_767
TRUNCATED_MARK = "…[truncated]"


def _lines(rows: pa.Table, mask: pa.ChunkedArray) -> list[int]:
    return rows.filter(mask).column("line").to_pylist()


def _text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def check(parsed: Parsed, kind: str, limits: Limits, now: dt.datetime | None = None) -> Parsed:
    """Apply the plausibility checks to ``parsed`` (rows of ``kind``); rejected rows are
    removed and counted, dropped fields set to NULL and reported as warnings."""
    rows = parsed.rows
    rejects: list[tuple[int, str, str, str]] = []
    warnings: list[tuple[int, str, str, str]] = []
    bad = pa.chunked_array([pa.array([False] * rows.num_rows, pa.bool_())])
    now = now or dt.datetime.now()
    names = set(rows.column_names)

    def reject(mask: pa.ChunkedArray, col: str, why) -> None:
        nonlocal bad
        mask = pc.fill_null(mask, False)
        for line, value in zip(
            _lines(rows, mask), rows.filter(mask).column(col).to_pylist(), strict=True
        ):
            rejects.append((line, col, _text(value), why(value)))
        bad = pc.or_(bad, mask)

    if kind == "complaints" and "received_at" in names:
        received = rows.column("received_at")
        latest = now + dt.timedelta(hours=limits.future_hours)
        earliest = dt.datetime(limits.earliest_year, 1, 1)
        reject(
            pc.greater(received, pa.scalar(latest, received.type)),
            "received_at",
            lambda v: (
                f"receipt time {_text(v)} is after the import time plus"
                f" {limits.future_hours:g} h (COMPLAINTS_IMPORT_FUTURE_HOURS)"
            ),
        )
        reject(
            pc.less(received, pa.scalar(earliest, received.type)),
            "received_at",
            lambda v: (
                f"receipt time {_text(v)} is before {limits.earliest_year}-01-01"
                " (COMPLAINTS_IMPORT_EARLIEST_YEAR)"
            ),
        )
        for col in AFTER_RECEIPT:
            if col not in names:
                continue
            early = pc.fill_null(pc.less(rows.column(col), received), False)
            if not pc.any(early).as_py():
                continue
            for line, value, got in zip(
                _lines(rows, early),
                rows.filter(early).column(col).to_pylist(),
                rows.filter(early).column("received_at").to_pylist(),
                strict=True,
            ):
                warnings.append(
                    (
                        line,
                        col,
                        _text(value),
                        f"{col} is before the receipt time {_text(got)}; field not imported",
                    )
                )
            pos = rows.column_names.index(col)
            rows = rows.set_column(
                pos,
                col,
                pc.if_else(early, pa.scalar(None, rows.column(col).type), rows.column(col)),
            )
    for col in MONEY.get(kind, ()):
        if col in names:
            reject(
                pc.less(rows.column(col), 0),
                col,
                lambda v, col=col: f"negative amount {v} in {col}",
            )
    for col in rows.column_names:
        values = rows.column(col)
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            continue
        long = pc.fill_null(pc.greater(pc.utf8_length(values), TEXT_CAP), False)
        if not pc.any(long).as_py():
            continue
        for line, value in zip(
            _lines(rows, long), rows.filter(long).column(col).to_pylist(), strict=True
        ):
            warnings.append(
                (
                    line,
                    col,
                    value[:40] + "…",
                    f"{col} has {len(value):,} characters; cut to"
                    f" {TEXT_CAP:,} (Excel's cell limit)",
                )
            )
        cut = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(values, 0, TEXT_CAP - len(TRUNCATED_MARK)),
            pa.scalar(TRUNCATED_MARK),
            "",
        )
        rows = rows.set_column(rows.column_names.index(col), col, pc.if_else(long, cut, values))
    if not rejects and not warnings:
        return parsed
    rejected_lines = len({line for line, *_ in rejects})
    return dataclasses.replace(
        parsed,
        rows=rows.filter(pc.invert(bad)),
        rejects=[*parsed.rejects, *rejects],
        warnings=[*parsed.warnings, *warnings],
        rejected_rows=parsed.rejected_rows + rejected_lines,
    )
