"""The read context: what every engine read needs, resolved once.

One ``ReadContext`` is built per script run of the app, per CLI command and per meeting pack
(``open_context``). Building it makes the derived tables current for the rule set in force
(``staging.ensure_current``, once), loads the rules once and finds the data's default as-of
once. Engine functions take it as their first argument; they also accept a bare cursor (as
the tests and small scripts pass), which is wrapped by ``of`` — once per call, so code that
makes several engine calls builds one context and passes it on.

A context may carry a viewer's department scope (``open_context(cur, scope=[...])``): the
department subtrees the viewer may see. The scope is enforced on the cursor itself, below
every query: the context creates TEMP views with the names of the canonical and derived
tables that hold department data (``SCOPED_TABLES``), each the published table filtered to
the scope's department ids. DuckDB resolves TEMP objects before any catalog on the search
path, and TEMP objects are private to one cursor, so every engine query on that cursor (KPI,
scores, accountability, explain, meeting packs, the app's lists) sees only the scope, and
no other cursor is affected. ``scope=None`` is the whole company.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import duckdb
import pandas as pd

from queries import i18n, staging, store
from queries.config.rules import RuleSet, load_rules
from queries.staging import kpi_month
from queries.staging.kpi_month import data_as_of


@dataclass(frozen=True)
class ReadContext:
    """An immutable view for one unit of reading work.

    Attributes:
        cur: the cursor on one published snapshot (derived tables current for ``rules``).
        rules: the rule set in force (loaded once).
        data_as_of: the latest timestamp in the complaint data (the company's, also for a
            scoped context), None without complaints.
        scope: the department ids the viewer sees (whole subtrees), None = the company.
        scope_roots: the departments the scope was given as (ids or names), for display.
        role: the viewer's role (``privacy.ROLES``): rows read through ``shown`` come with
            personal data masked in the query unless the role may see it; None (CLI,
            reports): unmasked, the caller masks what it shows.
        mart: what the published monthly KPI mart holds (``staging.kpi_month``) when it
            is current for the derived tables this context reads, else None; the KPI
            functions answer from it where it can.
        memo: results already computed on this snapshot within this unit of work (e.g. the
            12-month trend behind both the KPI cards' sparklines and a page's trend chart),
            keyed by the engine function and its arguments; the snapshot never changes under
            a context, so a result stays valid for the context's life.
    """

    cur: duckdb.DuckDBPyConnection
    rules: RuleSet
    data_as_of: dt.datetime | None
    scope: tuple[str, ...] | None = None
    scope_roots: tuple[str, ...] = ()
    role: str | None = None
    mart: kpi_month.Served | None = None
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    def in_scope(self, department_id: str | None) -> bool:
        """Whether a department id lies in the viewer's scope (always True for the company)."""
        return self.scope is None or (department_id is not None and department_id in self.scope)

    def shown(
        self,
        sql: str,
        params: dict[str, Any],
        outer: str | None = None,
        outer_params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """The rows of ``sql`` as this context's viewer may see them (``store.run_shown``:
        names, phones and free text masked in the query for a role without the right;
        ``outer``: SQL over them, named ``shown``)."""
        return store.run_shown(self.cur, sql, params, self.role, outer, outer_params)

    def as_of(self, explicit: dt.datetime | None = None) -> dt.datetime:
        """The as-of to use: ``explicit`` when given, else the data's latest timestamp, else
        now (an empty database)."""
        if explicit is not None:
            return explicit
        if self.data_as_of is not None:
            return self.data_as_of
        return dt.datetime.now().replace(microsecond=0)


#: What engine functions accept: a context, or a bare cursor to wrap.
Source: TypeAlias = ReadContext | duckdb.DuckDBPyConnection


#: Tables holding department data -> the filter (over the published table ``t``) that keeps
#: the scope's rows; ``{map}``/``{complaints}`` are the published tables of those names.
_SCOPE_IDS = "(select department_id from temp.main.viewer_scope)"
_RAW_IN_SCOPE = (
    f"t.department in (select raw_department from {{map}} where department_id in {_SCOPE_IDS})"
)
SCOPED_TABLES: dict[str, str] = {
    "complaints": _RAW_IN_SCOPE,
    "penalties": _RAW_IN_SCOPE,
    "business_volumes": _RAW_IN_SCOPE,
    "departments": f"t.department_id in {_SCOPE_IDS}",
    "stg_department_map": f"t.department_id in {_SCOPE_IDS}",
    "stg_department_tree": f"t.department_id in {_SCOPE_IDS}",
    "stg_complaints": f"t.department_id in {_SCOPE_IDS}",
    "stg_penalties": f"t.department_id in {_SCOPE_IDS}",
    "stg_volumes": f"t.department_id in {_SCOPE_IDS}",
    "stg_group_triggers": f"t.department_id in {_SCOPE_IDS}",
    "stg_group_incidents": f"t.department_id in {_SCOPE_IDS}",
    "stg_group_members": (
        "t.complaint_id in (select complaint_id from {complaints} "
        f"where department_id in {_SCOPE_IDS})"
    ),
    # a department's own and subtree rows (company and category rows have no dim_id)
    kpi_month.TABLE: f"t.dim_id in {_SCOPE_IDS}",
}
#: Scoped tables a database may lack (published before they existed).
_OPTIONAL_SCOPED = frozenset({kpi_month.TABLE})


class ScopeError(RuntimeError):
    """The scope cannot be enforced on this connection."""


def _published(cur: duckdb.DuckDBPyConnection, name: str) -> str:
    """The qualified name of the table ``name`` resolves to without TEMP objects."""
    rows = cur.execute(
        "select database_name, schema_name, temporary from duckdb_tables() where table_name = $n",
        {"n": name},
    ).fetchall()
    if any(r[2] for r in rows):
        raise ScopeError(
            f"{name}: derived tables were rebuilt as TEMP tables on this connection; "
            "open a snapshot (store.open_snapshot/Reader) to read with a scope"
        )
    found = {r[0]: f"{r[0]}.{r[1]}.{name}" for r in rows}
    search = cur.execute("select current_setting('search_path')").fetchall()[0][0] or ""
    order = [p.split(".")[0] for p in search.split(",") if p] + [
        cur.execute("select current_database()").fetchall()[0][0]
    ]
    for catalog in order:
        if catalog in found:
            return found[catalog]
    raise ScopeError(f"{name}: no such table to scope")


def resolve_scope(cur: duckdb.DuckDBPyConnection, departments: Sequence[str]) -> tuple[str, ...]:
    """The department ids of the subtrees under ``departments`` (ids, Chinese or English
    names), sorted. Unknown departments add nothing."""
    rows = cur.execute(
        "select distinct t.department_id from stg_department_tree as t "
        "join stg_department_map as m on m.department_id = t.ancestor_id "
        "where list_contains($roots::varchar[], m.raw_department) "
        "or list_contains($roots::varchar[], t.ancestor_id) order by 1",
        {"roots": [str(d) for d in departments]},
    ).fetchall()
    return tuple(r[0] for r in rows)


def _drop_scope(cur: duckdb.DuckDBPyConnection) -> None:
    views = cur.execute(
        "select view_name from duckdb_views() where temporary and list_contains($n, view_name)",
        {"n": list(SCOPED_TABLES)},
    ).fetchall()
    for (name,) in views:
        cur.execute(f"drop view temp.main.{name}")


def _apply_scope(cur: duckdb.DuckDBPyConnection, ids: tuple[str, ...]) -> None:
    _drop_scope(cur)
    published: dict[str, str] = {}
    for name in SCOPED_TABLES:
        try:
            published[name] = _published(cur, name)
        except ScopeError:
            if name not in _OPTIONAL_SCOPED:
                raise
    cur.execute(
        "create or replace temp table viewer_scope as "
        "select unnest($ids::varchar[]) as department_id",
        {"ids": list(ids)},
    )
    for name, condition in SCOPED_TABLES.items():
        if name not in published:
            continue
        where = condition.format(
            map=published["stg_department_map"], complaints=published["stg_complaints"]
        )
        cur.execute(
            f"create temp view {name} as select t.* from {published[name]} as t where {where}"
        )


def open_context(
    cur: duckdb.DuckDBPyConnection,
    rules: RuleSet | None = None,
    scope: Sequence[str] | None = None,
    find_as_of: Callable[[duckdb.DuckDBPyConnection], dt.datetime | None] | None = None,
    role: str | None = None,
) -> ReadContext:
    """Build the context for ``cur``: load the rules (unless given), make the derived tables
    current for them, restrict the cursor to the department subtrees ``scope`` (ids or
    names; None = the whole company) and find the data's as-of (``find_as_of``, default
    ``data_as_of``: the app passes a lookup cached per snapshot); ``role``: the viewer's,
    whose rows ``ReadContext.shown`` masks."""
    rule_set = rules if rules is not None else load_rules()
    rebuilt = staging.ensure_current(cur, rule_set)
    published = staging.published_fingerprint(cur)
    mart = None if rebuilt else kpi_month.served(cur, published)
    _drop_scope(cur)
    # the company's as-of, so a scoped view computes at the same cut-off as the company
    # (and as ``complaints kpi --where department=...``)
    as_of = (find_as_of or data_as_of)(cur)
    ids: tuple[str, ...] | None = None
    if scope is not None:
        ids = resolve_scope(cur, scope)
        _apply_scope(cur, ids)
    return ReadContext(
        cur=cur,
        rules=rule_set,
        data_as_of=as_of,
        scope=ids,
        scope_roots=tuple(scope) if scope is not None else (),
        role=role,
        mart=mart,
    )


def scope_text(ctx: ReadContext, lang: str = "zh") -> str:
    """The scope in words, for every page, download, slide and handout: "全公司" or
    "范围：华东区（含下级部门）"."""
    if ctx.scope is None:
        return i18n.t("scope_company", lang)
    names = ctx.cur.execute(
        "select coalesce(case when $lang = 'en' then any_value(department_name_en) end, "
        "any_value(department_name_zh)) from stg_department_map "
        "where list_contains($roots::varchar[], raw_department) "
        "or list_contains($roots::varchar[], department_id) group by department_id order by 1",
        {"roots": list(ctx.scope_roots), "lang": lang},
    ).fetchall()
    label = "、".join(n[0] for n in names if n[0]) or "—"
    return i18n.t("scope_departments", lang).format(names=label)


def of(source: Source) -> ReadContext:
    """``source`` itself when it is a context, else a new context on the cursor."""
    return source if isinstance(source, ReadContext) else open_context(source)
