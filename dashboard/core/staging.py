"""Derived staging tables (domain brief §5): refreshed on every publication.

Owned by the KPI engine; ``refresh`` is called by ``db.write_transaction``.
"""

from __future__ import annotations

import duckdb

#: Columns of ``stg_complaints`` added to the canonical ``complaints`` columns.
STG_COMPLAINTS_DERIVED: tuple[str, ...] = (
    "department_id",  # resolved department (id; the raw text when not in `departments`)
    "department_name_zh",
    "department_name_en",
    "parent_department_id",  # parent in `departments` (null for top level)
    "parent_department_name_zh",  # parent's name, or own name for top level (roll-up key)
    "rules_version",  # version in force at received_at
    "received_date",  # date
    "response_limit_h",  # double, clock hours; min(grade, channel)
    "response_due_at",  # timestamp = received_at + limit
    "first_response_h",  # double, exact hours; null without response
    "responded_within_limit",  # bool, null if no response
    "resolution_days",  # int, working days of the deadline rule (null if extended)
    "resolution_deadline",  # timestamp (24:00 of the N-th working day, or extended_deadline)
    "resolution_h",  # double, exact hours; null if unresolved
    "resolved_by_deadline",  # bool, null if unresolved
    "resolution_working_h",  # double, hours counted on working days only
    "first_response_working_h",  # double
    "is_repeat",  # bool
    "repeat_of_complaint_id",  # varchar
    "group_incident_id",  # varchar, null when not part of a group incident
    "satisfaction_class",  # 'satisfied' | 'neutral' | 'dissatisfied' | null
    "is_excluded",  # bool: verified malicious (excluded from deductions and penalties)
    "calendar_covered",  # bool: statutory calendar known for the receipt and deadline days
)


def refresh(conn: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the derived tables from the canonical ones (read-write connection)."""
    # Being filled in by the KPI engine.
    return None
