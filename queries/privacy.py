"""Masking of complainants' personal data: 张** / 138****1234
(docs/definitions.md#roles-and-masking).

Roles: ``viewer`` (default) and ``analyst`` see masked values; ``privacy_officer`` sees
them in full. Everything that shows or exports names or phones goes through ``mask_frame``.
"""

from __future__ import annotations

import re

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


def mask_text(text: str | None) -> str | None:
    """Mask mobile-phone-like digit runs inside free text (descriptions, raw reject values)."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    return re.sub(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)", r"\1****\2", str(text))


def mask_frame(df: pd.DataFrame, role: str = "viewer") -> pd.DataFrame:
    """Return a copy of ``df`` with personal columns masked unless ``role`` may see them."""
    if can_see_personal_data(role):
        return df
    out = df.copy()
    for col in out.columns:
        if col == "customer_name":
            out[col] = out[col].map(mask_name)
        elif col == "customer_phone":
            out[col] = out[col].map(mask_phone)
        elif col in ("description", "resolution"):
            out[col] = out[col].map(mask_text)
    return out
