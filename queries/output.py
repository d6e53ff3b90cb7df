"""Printing command results as ``json``, ``csv`` or ``table``."""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import errno
import json
import math
import re
import sys
from typing import Any

import pandas as pd

from queries import exports

FORMATS = ("json", "csv", "table")


def add_format_argument(parser: argparse.ArgumentParser, default: str = "table") -> None:
    """Add ``--format json|csv|table`` to a sub-command."""
    parser.add_argument("--format", choices=FORMATS, default=default, help="output format")


def _plain(value: Any) -> Any:
    """A JSON-ready version of a value (NaN/NaT → null, timestamps → ISO text)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.datetime,)):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date,)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return _plain(value.item())
        except (ValueError, AttributeError):
            pass
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


# C0 controls except tab and newline, DEL and C1 controls (ESC sequences, bells, cursor moves)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` without control characters (imported data must not drive the terminal)."""
    return _CONTROL.sub("", text)


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: terminal_safe(v) if isinstance(v, str) else v)
    out.columns = [terminal_safe(str(c)) for c in out.columns]
    return out


def one_line(exc: BaseException) -> str:
    """One line for the user about a failure: disk full, read-only folder, permission
    denied, a file that is not a (valid) database, else the exception's first line."""
    if isinstance(exc, OSError) and exc.errno is not None:
        where = f"{exc.filename}: " if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            return f"{where}disk full (no space left on the device); nothing was changed"
        if exc.errno == errno.EROFS:
            return f"{where}the folder is on a read-only file system"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return f"{where}permission denied"
        return f"{where}{exc.strerror or exc}"
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if "No space left on device" in text:
        return "disk full (no space left on the device); nothing was changed"
    if "not a valid DuckDB database file" in text or "unable to open database file" in text:
        return f"not a valid database file (damaged, or another program's file): {first}"
    if "Read-only file system" in text:
        return f"the folder is on a read-only file system: {first}"
    if "Permission denied" in text:
        return f"permission denied: {first}"
    return terminal_safe(f"{type(exc).__name__}: {first}")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts."""
    return [_plain(r) for r in df.to_dict(orient="records")]


def emit(data: pd.DataFrame | dict[str, Any] | list[dict[str, Any]], fmt: str) -> None:
    """Print ``data`` to stdout in the chosen format (json: the document and nothing else)."""
    if fmt == "json":
        doc = records(data) if isinstance(data, pd.DataFrame) else _plain(data)
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    if isinstance(data, pd.DataFrame):
        df = data
    elif isinstance(data, dict):
        df = pd.DataFrame(
            [
                {
                    k: json.dumps(_plain(v), ensure_ascii=False)
                    if isinstance(v, (dict, list))
                    else v
                    for k, v in data.items()
                }
            ]
        )
    else:
        df = pd.DataFrame(data)
    if fmt == "csv":  # formula-like cells neutralised, as in every export
        df = exports.neutralise_frame(df)
        (_safe_frame(df) if sys.stdout.isatty() else df).to_csv(sys.stdout, index=False)
    else:
        with pd.option_context(
            "display.max_rows", 500, "display.max_columns", 50, "display.width", 200
        ):
            print(_safe_frame(df).to_string(index=False) if not df.empty else "(no rows)")


def info(message: str) -> None:
    """A progress or status message: always to stderr, so json stdout stays clean; control
    characters are removed."""
    print(terminal_safe(message), file=sys.stderr)
