"""The DuckDB side of the Spark build: canonical tables out as Parquet
(``complaints export --parquet``) and Spark-built derived tables in as a serving database
(``complaints attach --marts``), published like any other change (``store.write_transaction``)
with the rule fingerprint of the build, so readers use them and never rebuild them from the
raw history (a rule change asks for a rebuild on Spark: ``errors.MartsOutOfDateError``).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from queries import staging, store
from queries.config import rules
from queries.errors import MartsOutOfDateError
from queries.spark import CANONICAL_DIR, MANIFEST, PARTITIONS, ROW_COLUMN
from queries.staging import kpi_month, page_lists

MARTS_KEY = staging.MARTS_KEY


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def canonical_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The database's own tables: every base table but the derived ones (``stg_*``, the
    published marts ``mart_*``) and the schema version."""
    names = conn.execute(
        "select table_name from duckdb_tables() where schema_name = 'main' "
        "and not starts_with(table_name, 'stg_') and not starts_with(table_name, 'mart_') "
        "and table_name <> 'schema_version' order by table_name"
    ).fetchall()
    return [n for (n,) in names]


def export_parquet(db_path: Path, out_dir: Path) -> dict[str, int]:
    """Write every canonical table of the database as ``<out_dir>/<table>.parquet``
    (read-only: the serving file is not locked); returns rows per table."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise store.DatabaseMissingError(
            f"{db_path}: no database yet (run `complaints demo` or import)"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        counts = {}
        for table in canonical_tables(conn):
            target = out_dir / f"{table}.parquet"
            conn.execute(
                f'copy (select * from "{table}") to {_literal(str(target))} (format parquet)'
            )
            counts[table] = conn.execute(f'select count(*) from "{table}"').fetchall()[0][0]
        return counts
    finally:
        conn.close()


def read_manifest(marts: Path) -> dict[str, object]:
    """The manifest a Spark build wrote into ``marts`` (rule fingerprint, counts)."""
    parts = sorted((Path(marts) / MANIFEST).glob("part-*"))
    if not parts:
        raise FileNotFoundError(
            f"{marts}: no {MANIFEST}/ here; not the output of `complaints spark build`"
        )
    manifest: dict[str, object] = json.loads(parts[0].read_text(encoding="utf-8").strip())
    return manifest


def check_rules(manifest: dict[str, object], rule_set: rules.RuleSet, where: str) -> None:
    """Raise ``MartsOutOfDateError`` when the build's rules and calendar are not the
    current ones."""
    want = staging.current_fingerprint(rule_set)
    if manifest.get("staging_fingerprint") != want:
        raise MartsOutOfDateError(
            f"{where}: the derived tables were built on Spark with rules "
            f"{manifest.get('rules_versions')} (fingerprint {manifest.get('staging_fingerprint')}),"
            f" the current rules and calendar are {want} ({rule_set.source}); rebuild them on"
            " Spark (`complaints spark build --rules FILE ...`) and attach the new build"
        )


def _derived_schema(rule_set: rules.RuleSet) -> dict[str, list[tuple[str, str]]]:
    """Column names and DuckDB types of every derived table and the monthly KPI mart, from
    building them on an empty in-memory database (so the attached tables have exactly the
    DuckDB engine's types)."""
    conn = duckdb.connect(":memory:")
    try:
        store.apply_migrations(conn)
        staging.refresh(conn, rule_set)
        rows = conn.execute(
            "select table_name, column_name, data_type from duckdb_columns() "
            "where schema_name = 'main' and (starts_with(table_name, 'stg_') or table_name = $m)"
            " order by table_name, column_index",
            {"m": kpi_month.TABLE},
        ).fetchall()
    finally:
        conn.close()
    schema: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        schema.setdefault(table, []).append((column, kind))
    return schema


def _has_files(folder: Path) -> bool:
    """Whether a table the Spark build wrote has a Parquet file (a table without rows
    has none)."""
    return any(folder.rglob("*.parquet"))


def _parquet_source(folder: Path, name: str) -> str:
    """``read_parquet`` of a table written by the Spark build: hive month partitions
    dropped from the columns, complaints in their source order (``ROW_COLUMN``)."""
    glob = _literal(str(folder / name / "**" / "*.parquet"))
    if name == kpi_month.TABLE:
        column = PARTITIONS[name][0]
        return f"(select * exclude ({column}) from read_parquet({glob}, hive_partitioning = true))"
    if name in PARTITIONS:
        column = PARTITIONS[name][0]
        return (
            f"(select * exclude ({column}, {ROW_COLUMN}) from "
            f"read_parquet({glob}, hive_partitioning = true) order by {ROW_COLUMN})"
        )
    return f"read_parquet({glob})"


def attach(marts: Path, db_path: Path, rule_set: rules.RuleSet | None = None) -> dict[str, int]:
    """Publish ``db_path`` as a serving database of the Spark build in ``marts``: its
    canonical tables and derived tables loaded from the Parquet, the build's rule
    fingerprint recorded in ``meta`` (so ``staging.ensure_current`` keeps them). Refuses
    a database with data of its own (imported or demo) and a build made with other rules.
    Returns rows per table."""
    marts = Path(marts).resolve()
    rule_set = rule_set or rules.load_rules()
    manifest = read_manifest(marts)
    check_rules(manifest, rule_set, str(marts))
    if Path(db_path).exists() and served_marts(db_path) is None:
        raise FileExistsError(
            f"{db_path}: holds data of its own; attach the Spark build to another --db file"
        )
    schema = _derived_schema(rule_set)
    counts: dict[str, int] = {}
    with store.write_transaction(Path(db_path), derive=None, fresh=True) as conn:
        own = set(canonical_tables(conn))
        for folder in sorted((marts / CANONICAL_DIR).iterdir()):
            if folder.name not in own:
                continue
            if _has_files(folder):
                source = _parquet_source(marts / CANONICAL_DIR, folder.name)
                conn.execute(f'insert into "{folder.name}" by name select * from {source}')
            counts[folder.name] = conn.execute(f'select count(*) from "{folder.name}"').fetchall()[
                0
            ][0]
        mart_meta = {k: str(manifest.get(k, "")) for k in kpi_month.meta_keys()}
        current = kpi_month.fingerprint_of(str(manifest["staging_fingerprint"]))
        mart_built = (
            mart_meta["kpi_month_fingerprint"] == current and (marts / kpi_month.TABLE).is_dir()
        )
        for table in (*staging.STAGING_TABLES, *([kpi_month.TABLE] if mart_built else [])):
            columns = ", ".join(f'"{c}" {t}' for c, t in schema[table])
            conn.execute(f'create table "{table}" ({columns})')
            if _has_files(marts / table):
                source = _parquet_source(marts, table)
                conn.execute(f'insert into "{table}" by name select * from {source}')
            counts[table] = conn.execute(f'select count(*) from "{table}"').fetchall()[0][0]
        values = {
            "staging_fingerprint": str(manifest["staging_fingerprint"]),
            "rules_fingerprint": str(manifest["rules_fingerprint"]),
            "rules_versions": str(manifest["rules_versions"]),
            "rules_content": str(manifest["rules_content"]),
            "staging_refreshed_at": str(manifest["built_at"]),
            MARTS_KEY: str(marts),
        }
        for key, value in values.items():
            conn.execute(
                "insert or replace into meta (key, value) values ($k, $v)", {"k": key, "v": value}
            )
        # the pages' monthly KPI mart as built on Spark; computed here from the attached
        # tables only for a build whose mart this product version computes otherwise
        if mart_built:
            kpi_month.write_meta(conn, mart_meta)
        else:
            kpi_month.refresh(conn, values["staging_fingerprint"])
        page_lists.refresh(conn)
    return counts


def served_marts(db_path: Path) -> str | None:
    """The Spark build a database serves (``attach``), or None for a database of its own."""
    conn = store.open_snapshot(Path(db_path))
    try:
        row = conn.execute("select value from meta where key = $k", {"k": MARTS_KEY}).fetchall()
    except duckdb.CatalogException:
        return None
    finally:
        conn.close()
    return row[0][0] if row else None
