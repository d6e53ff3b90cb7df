"""The reject report: one CSV per import (UTF-8 with BOM for Chinese Excel) next to the
database in ``<db dir>/rejects/<import_id>.csv``, personal data masked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from queries import exports, privacy

REPORT_COLUMNS = ("file", "line", "column", "field", "value", "reason", "level")
MAX_VALUE_CHARS = 200


def mask_value(field: str, value: str | None) -> str:
    """A raw value as it may appear in a report: names and phones masked, phone-like digit
    runs in free text masked, long values cut."""
    if value is None:
        return ""
    if field in ("customer_name", "person", "handler", "department_head", "head"):
        masked = privacy.mask_name(value)
    elif field == "customer_phone":
        masked = privacy.mask_phone(value)
    else:
        masked = privacy.mask_text(value)
    text = masked or ""
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"… ({len(value)} characters)"
    return text


def frame(
    file_name: str,
    problems: list[tuple[int, str, str, str, str, str]],
) -> pd.DataFrame:
    """Report rows ``(line, source column, field, raw value, reason, level)`` as a frame,
    values masked."""
    rows = [
        {
            "file": file_name,
            "line": line,
            "column": column,
            "field": field,
            "value": mask_value(field, raw),
            "reason": reason,
            "level": level,
        }
        for line, column, field, raw, reason, level in problems
    ]
    df = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    return df.sort_values(["line", "level", "column"], kind="stable").reset_index(drop=True)


def write(path: Path, df: pd.DataFrame) -> Path:
    """Write the report CSV (atomic rename) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    tmp.write_bytes(exports.to_csv_bytes(df))
    tmp.replace(path)
    return path
