"""Import errors."""

from __future__ import annotations

from queries.errors import ImportRefused

__all__ = ["ImportRefused", "MissingColumns"]


class MissingColumns(ImportRefused):
    """No header row supplies a template's required columns.

    Attributes:
        kind: the template tried (the one the headers fit best).
        headers: the header row found (the first non-empty row).
        missing: required canonical columns nobody supplies.
    """

    def __init__(self, kind: str, headers: list[str], missing: list[str], text: str) -> None:
        super().__init__(text)
        self.kind = kind
        self.headers = headers
        self.missing = missing
