"""Printing command results as ``json``, ``csv`` or ``table``."""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import math
import sys
from typing import Any

import pandas as pd

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
    if fmt == "csv":
        df.to_csv(sys.stdout, index=False)
    else:
        with pd.option_context(
            "display.max_rows", 500, "display.max_columns", 50, "display.width", 200
        ):
            print(df.to_string(index=False) if not df.empty else "(no rows)")


def info(message: str) -> None:
    """A progress or status message: always to stderr, so json stdout stays clean."""
    print(message, file=sys.stderr)
