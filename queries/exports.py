"""Safe tabular exports: CSV with a UTF-8 BOM (for Chinese Excel) and XLSX, with cells that
Excel would read as formulas neutralised (OWASP / CWE-1236)."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that starts with ``= + - @``, tab, CR or NUL with ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Neutralise every text cell (and column name) of a DataFrame; numbers are left alone."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV encoded as UTF-8 with a BOM, formula-like cells neutralised."""
    return neutralise_frame(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per DataFrame; text is written as text, never as a
    formula, and formula-like cells are neutralised as well."""
    buf = io.BytesIO()
    with pd.ExcelWriter(
        buf,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        for name, df in sheets.items():
            safe = neutralise_frame(df)
            for col in safe.columns:
                if isinstance(safe[col].dtype, pd.DatetimeTZDtype):
                    safe[col] = safe[col].dt.tz_localize(None)
            safe.to_excel(writer, sheet_name=str(name)[:31], index=False)
    return buf.getvalue()
