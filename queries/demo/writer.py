"""Writing the generated arrays into the database, in Arrow chunks (no row-by-row Python).

Codes become Arrow dictionary columns; identifiers, customer names and phone numbers are
assembled by DuckDB from integers, so no Python string is made per row.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from queries.config import schema
from queries.demo import company as co
from queries.demo.generate import LADDER_COLUMNS, NO_LADDER_DEPARTMENTS, NULL_TS, Generated

CHUNK_ROWS = 1_000_000

_INSERT_COMPLAINTS = """
insert into complaints
select
    'TS' || strftime(id_day, '%Y%m%d') || lpad(seq::varchar, $width, '0'),
    received_at, acknowledged_at, first_response_at, resolved_at, closed_at,
    channel, category, severity, department, handler,
    'KH' || lpad(customer::varchar, 8, '0'),
    $surnames[surname + 1] || $given[given1 + 1] || coalesce($given[given2 + 1], ''),
    phone::varchar,
    status, is_valid, is_malicious, satisfaction, surveyed_at, escalation_level,
    'TS' || strftime(parent_day, '%Y%m%d') || lpad(parent_seq::varchar, $width, '0'),
    multi_department, extended_deadline, concealed, compensation_type,
    compensation_amount::decimal(14, 2), region, product, description, resolution,
    classified_at, responsibility_assigned_at, investigation_started_at, manager_contacted_at,
    escalated_t1_at, escalated_t2_at, escalated_t3_at, return_visit_outcome, revisited_at,
    revisit_outcome, record_completed_at, root_cause
from demo_chunk
"""

_INSERT_PENALTIES = """
insert into penalties
select
    'ZR' || lpad(penalty_no::varchar, 8, '0'), 'TS' || strftime(id_day, '%Y%m%d')
        || lpad(seq::varchar, $width, '0'),
    person, department, responsibility_type, cause, measure,
    fine_amount::decimal(14, 2), joint_fine_amount::decimal(14, 2), department_head,
    investigation_end, decided_at, executed_at, publicized_from, appeal_status, status
from demo_penalties
"""


def _dict(codes: np.ndarray, words: list[str] | tuple[str, ...]) -> pa.DictionaryArray:
    """A dictionary column; negative codes are NULL."""
    idx = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(idx, pa.array(list(words), pa.string()))


def _ts(seconds: np.ndarray) -> pa.Array:
    return pa.array(seconds * 1_000_000, pa.timestamp("us"), mask=seconds == NULL_TS)


def _date(days: np.ndarray) -> pa.Array:
    null = days < -(2**30)
    return pa.array(np.where(null, 0, days).astype(np.int32), pa.date32(), mask=null)


def _opt_int(values: np.ndarray, pa_type: pa.DataType) -> pa.Array:
    return pa.array(values, pa_type, mask=values < 0)


def _num(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def insert_complaints(conn: duckdb.DuckDBPyConnection, g: Generated) -> None:
    """Insert the complaints in chunks of ``CHUNK_ROWS``."""
    c, cust = g.complaints, g.customers
    dept_names = [d.name_zh for d in co.DEPARTMENTS]
    params = {"width": g.id_width, "surnames": list(co.SURNAMES), "given": list(co.GIVEN)}
    n = len(c["received_at"])
    for a in range(0, n, CHUNK_ROWS):
        s = slice(a, min(n, a + CHUNK_ROWS))
        customer = c["customer"][s]
        known = c["is_valid_known"][s]
        table = pa.table(
            {
                "id_day": pa.array(c["id_day"][s], pa.date32()),
                "seq": pa.array(c["seq"][s], pa.int32()),
                "received_at": _ts(c["received_at"][s]),
                "acknowledged_at": _ts(c["acknowledged_at"][s]),
                "first_response_at": _ts(c["first_response_at"][s]),
                "resolved_at": _ts(c["resolved_at"][s]),
                "closed_at": _ts(c["closed_at"][s]),
                "channel": _dict(c["channel"][s], schema.CHANNELS),
                "category": _dict(c["category"][s], co.CATEGORIES),
                "severity": _dict(c["severity"][s], schema.SEVERITIES),
                "department": _dict(c["department"][s], dept_names),
                "handler": _dict(c["handler"][s], g.handlers),
                "customer": pa.array(customer, pa.int64()),
                "surname": pa.array(cust["surname"][customer], pa.int16()),
                "given1": pa.array(cust["given1"][customer], pa.int16()),
                "given2": _opt_int(cust["given2"][customer], pa.int16()),
                "phone": pa.array(cust["phone"][customer], pa.int64()),
                "status": _dict(c["status"][s], schema.STATUSES),
                "is_valid": pa.array(c["is_valid"][s], pa.bool_(), mask=~known),
                "is_malicious": pa.array(c["is_malicious"][s], pa.bool_(), mask=~known),
                "satisfaction": _opt_int(c["satisfaction"][s], pa.int16()),
                "surveyed_at": _ts(c["surveyed_at"][s]),
                "escalation_level": pa.array(c["escalation_level"][s], pa.int16()),
                "parent_day": _date(np.where(c["parent_day"][s] < 0, -(2**31), c["parent_day"][s])),
                "parent_seq": _opt_int(c["parent_seq"][s], pa.int32()),
                "multi_department": pa.array(c["multi_department"][s], pa.bool_()),
                "extended_deadline": _ts(c["extended_deadline"][s]),
                "concealed": pa.array(c["concealed"][s], pa.bool_()),
                "compensation_type": _dict(c["compensation_type"][s], schema.COMPENSATION_TYPES),
                "compensation_amount": _num(c["compensation_amount"][s]),
                "region": _dict(c["region"][s], co.REGIONS),
                "product": _dict(c["product"][s], co.PRODUCTS),
                "description": _dict(c["description"][s], g.descriptions),
                "resolution": _dict(c["resolution"][s], g.resolutions),
                **{col: _ts(c[col][s]) for col in LADDER_COLUMNS if col.endswith("_at")},
                "return_visit_outcome": _dict(c["return_visit_outcome"][s], schema.VISIT_OUTCOMES),
                "revisit_outcome": _dict(c["revisit_outcome"][s], schema.VISIT_OUTCOMES),
                "root_cause": _dict(c["root_cause"][s], schema.ROOT_CAUSES),
            }
        )
        conn.register("demo_chunk", table)
        try:
            conn.execute(_INSERT_COMPLAINTS, params)
        finally:
            conn.unregister("demo_chunk")


def insert_penalties(conn: duckdb.DuckDBPyConnection, g: Generated) -> None:
    """Insert the penalty records (one Arrow table: they are a fraction of the complaints)."""
    p, c = g.penalties, g.complaints
    depts = co.DEPARTMENTS
    comp = p["complaint"]
    heads = [d.head for d in depts] + [d.previous_head or d.head for d in depts]
    head = p["department"].astype(np.int32) + len(depts) * p["head_code"]
    people = list(g.handlers) + heads
    person = np.where(p["person"] >= 0, p["person"], len(g.handlers) + head)
    table = pa.table(
        {
            "penalty_no": pa.array(np.arange(1, len(comp) + 1), pa.int64()),
            "id_day": pa.array(c["id_day"][comp], pa.date32()),
            "seq": pa.array(c["seq"][comp], pa.int32()),
            "person": _dict(person, people),
            "department": _dict(p["department"], [d.name_zh for d in depts]),
            "responsibility_type": _dict(p["responsibility_type"], schema.RESPONSIBILITY_TYPES),
            "cause": _dict(p["cause"], [name for name, _ in co.PENALTY_CAUSES]),
            "measure": _dict(p["measure"], schema.MEASURES),
            "fine_amount": _num(p["fine_amount"]),
            "joint_fine_amount": _num(p["joint_fine_amount"]),
            "department_head": _dict(head, heads),
            "investigation_end": _date(p["investigation_end"]),
            "decided_at": _date(p["decided_at"]),
            "executed_at": _date(p["executed_at"]),
            "publicized_from": _date(p["publicized_from"]),
            "appeal_status": _dict(p["appeal_status"], schema.APPEAL_STATUSES),
            "status": _dict(p["status"], co.PENALTY_STATUSES),
        }
    )
    conn.register("demo_penalties", table)
    try:
        conn.execute(_INSERT_PENALTIES, {"width": g.id_width})
    finally:
        conn.unregister("demo_penalties")


def insert_master_data(conn: duckdb.DuckDBPyConnection, g: Generated, meta: dict[str, str]) -> None:
    """Departments, monthly business volumes and the demo's ``meta`` keys."""
    depts = co.DEPARTMENTS
    conn.register(
        "demo_departments",
        pa.table(
            {
                "department_id": [d.department_id for d in depts],
                "name_zh": [d.name_zh for d in depts],
                "name_en": [d.name_en for d in depts],
                "parent_id": pa.array([d.parent_id for d in depts], pa.string()),
                "head": [d.head for d in depts],
            }
        ),
    )
    v = g.volumes
    month_days = np.array([(m - g.months[0]).days for m in g.months]) + (
        g.months[0].toordinal() - 719_163
    )
    conn.register(
        "demo_volumes",
        pa.table(
            {
                "department": _dict(v["department"], [d.name_zh for d in depts]),
                "month": pa.array(month_days[v["month"]].astype(np.int32), pa.date32()),
                "volume": pa.array(v["volume"], pa.int64()),
            }
        ),
    )
    # the sources of NO_LADDER_DEPARTMENTS export no handling-ladder columns (stg_supplied)
    exported = ",".join(c for c in schema.column_names("complaints") if c not in LADDER_COLUMNS)
    meta = {**meta, **{f"supplied:{name}": exported for name in NO_LADDER_DEPARTMENTS}}
    conn.register(
        "demo_meta", pa.table({"key": list(meta), "value": [str(x) for x in meta.values()]})
    )
    try:
        conn.execute("insert into departments select * from demo_departments")
        conn.execute("insert into business_volumes select * from demo_volumes")
        conn.execute("insert or replace into meta select * from demo_meta")
    finally:
        for name in ("demo_departments", "demo_volumes", "demo_meta"):
            conn.unregister(name)
