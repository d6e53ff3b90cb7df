"""Masking of complainants' personal data: 张** / 138****1234
(docs/definitions.md#roles-and-masking).

Roles: ``viewer`` (default) and ``analyst`` see masked values; ``privacy_officer`` sees
them in full. Everything that shows or exports names or phones goes through ``mask_frame``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from queries.config.schema import COMPLAINT_COLUMNS, PENALTY_COLUMNS

ROLES = ("viewer", "analyst", "privacy_officer")
PII_ROLES = frozenset({"privacy_officer"})
PERSONAL_COLUMNS = frozenset(c.name for c in (*COMPLAINT_COLUMNS, *PENALTY_COLUMNS) if c.personal)
_DIGITS = re.compile(r"\d")


def can_see_personal_data(role: str) -> bool:
    """Whether a role may see complainants' names and phone numbers unmasked."""
    return role in PII_ROLES


def mask_name(name: str | None) -> str | None:
    """Keep the first character, mask the rest: 张三丰 → 张**, Alice → A****."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return None
    text = str(name).strip()
    if not text:
        return text
    return text[0] + "*" * max(len(text) - 1, 1)


# The same rules as SQL expressions, for queries that return personal columns to a role
# without the right to them (``store.run_shown``): the engine masks the rows it returns in
# DuckDB, so unmasked names and phones never leave the query. Equal to ``mask_name`` /
# ``mask_phone`` value for value (tests/test_privacy_sql.py): Python's ``str.strip`` white
# space and Python's ``\d`` (Unicode decimal digits) written as RE2 classes.
_SPACE_CLASS = (
    "[" + "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x3001)) if c.isspace()) + "]"
)


def _strip_sql(expr: str) -> str:
    return f"regexp_replace(({expr})::varchar, '^{_SPACE_CLASS}+|{_SPACE_CLASS}+$', '', 'g')"


def mask_name_sql(expr: str) -> str:
    """SQL of ``mask_name`` applied to the SQL expression ``expr``."""
    t = _strip_sql(expr)
    return (
        f"case when ({expr}) is null then null when {t} = '' then '' "
        f"else left({t}, 1) || repeat('*', greatest(length({t}) - 1, 1)) end"
    )


def mask_phone_sql(expr: str) -> str:
    """SQL of ``mask_phone`` applied to the SQL expression ``expr``."""
    t = _strip_sql(expr)
    d = f"regexp_replace({t}, '\\P{{Nd}}', '', 'g')"
    return (
        f"case when ({expr}) is null then null "
        f"when length({d}) >= 11 then left({d}, 3) || '****' || right({d}, 4) "
        f"when length({d}) >= 4 then repeat('*', length({d}) - 2) || right({d}, 2) "
        f"else repeat('*', length({t})) end"
    )


def mask_phone(phone: str | None) -> str | None:
    """Keep the first 3 and last 4 digits of a phone number: 13812341234 → 138****1234.
    Shorter numbers keep only their last 2 digits."""
    if phone is None or (isinstance(phone, float) and pd.isna(phone)):
        return None
    text = str(phone).strip()
    digits = _DIGITS.findall(text)
    if len(digits) >= 11:
        return "".join(digits[:3]) + "****" + "".join(digits[-4:])
    if len(digits) >= 4:
        return "*" * (len(digits) - 2) + "".join(digits[-2:])
    return "*" * len(text)


# Personal data written into free text (descriptions, resolutions, raw reject values).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{16}[\dXx])(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![\d-])(\d{4}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?)(?![\d-])")
_MOBILE = re.compile(
    r"(?<![\d+])((?:\(?(?:\+|00)?86\)?[ -]?)?)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)"
)
_LANDLINE = re.compile(r"(?<![\d+])(\(?0\d{2,3}\)?[ -]?)(\d{3,4})[ -]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def is_id_card(number: str) -> bool:
    """Whether an 18-character string is a mainland ID-card number (GB 11643 checksum)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn check (bank-card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _id_card(m: re.Match[str]) -> str:
    number = m.group(1)
    return number[0] + "*" * 16 + number[-1] if is_id_card(number) else number


def _card(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(1))
    if not 16 <= len(digits) <= 19 or not luhn_ok(digits):
        return m.group(1)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_text(text: str | None, names: tuple[str, ...] = ()) -> str | None:
    """Mask personal data inside free text: ID-card numbers (checksum), bank-card numbers
    (Luhn), mobile numbers in any spelling (spaces, dashes, +86/0086), landlines with area
    code, e-mail addresses and the given ``names`` (the complaint's own customer)."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    out = _ID_CARD.sub(_id_card, str(text))
    out = _CARD.sub(_card, out)
    out = _MOBILE.sub(lambda m: f"{m.group(1)}{m.group(2)}****{m.group(4)}", out)
    out = _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)
    out = _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", out)
    for name in names:
        name = str(name or "").strip()
        if len(name) >= 2:
            out = out.replace(name, mask_name(name) or "")
    return out


#: The SQL function that masks free text inside a query (``mask_text`` with the row's own
#: customer name); ``store.run_shown`` registers it on the cursor.
MASK_TEXT_SQL_FUNCTION = "pii_mask_text"


def mask_text_for(text: str | None, name: str | None) -> str | None:
    """``mask_text`` of one row's free text with that row's customer name (as
    ``mask_frame`` does); the body of ``MASK_TEXT_SQL_FUNCTION``."""
    return mask_text(text, (name,) if isinstance(name, str) else ())


def masked_projection(columns: Sequence[str]) -> list[str] | None:
    """The select list that returns ``columns`` masked as ``mask_frame`` masks them (names
    and phones by ``mask_name_sql``/``mask_phone_sql``, description and resolution by
    ``MASK_TEXT_SQL_FUNCTION``), or None when no column holds personal data."""
    personal = {"customer_name", "customer_phone", "description", "resolution"}
    if not personal & set(columns):
        return None
    name = '"customer_name"' if "customer_name" in columns else "null::varchar"
    out = []
    for col in columns:
        ident = '"' + col.replace('"', '""') + '"'
        if col == "customer_name":
            out.append(f"{mask_name_sql(ident)} as {ident}")
        elif col == "customer_phone":
            out.append(f"{mask_phone_sql(ident)} as {ident}")
        elif col in ("description", "resolution"):
            out.append(f"{MASK_TEXT_SQL_FUNCTION}({ident}::varchar, {name}) as {ident}")
        else:
            out.append(ident)
    return out


def mask_frame(df: pd.DataFrame, role: str = "viewer") -> pd.DataFrame:
    """Return a copy of ``df`` with personal columns masked unless ``role`` may see them."""
    if can_see_personal_data(role):
        return df
    out = df.copy()
    names = out["customer_name"] if "customer_name" in out.columns else None
    for col in ("description", "resolution"):
        if col not in out.columns:
            continue
        if names is None:
            out[col] = out[col].map(mask_text)
        else:
            out[col] = [
                mask_text(text, (name,) if isinstance(name, str) else ())
                for text, name in zip(out[col], names, strict=True)
            ]
    for col in out.columns:
        if col == "customer_name":
            out[col] = out[col].map(mask_name)
        elif col == "customer_phone":
            out[col] = out[col].map(mask_phone)
    return out
