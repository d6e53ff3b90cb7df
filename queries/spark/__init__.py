"""The derived tables built on Apache Spark from a data lake (README "Beyond one machine").

The DuckDB engine's staging SQL (``queries/staging/stg_*.sql``, in ``staging.STAGING_TABLES``
order) is transpiled with SQLGlot from the DuckDB to the Spark dialect; DuckDB functions
without a Spark namesake are rewritten in the syntax tree (``_SPARK_FUNCTIONS``). A file
that does not transpile cleanly (DuckDB's ``asof join``, ``count(distinct) over`` a range
frame) has a Spark-dialect version in ``queries/spark/overrides/<name>.sql``; every one is
listed in docs/definitions.md#spark-overrides. The rule tables and the calendar are the
very frames the DuckDB engine builds (``staging.rule_frames``, ``workcalendar``), passed
to Spark as small tables. pyspark is imported only inside the functions that need it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queries import staging, store
from queries.config import rules, workcalendar
from queries.paths import PACKAGE_DIR
from queries.periods import add_months
from queries.staging import kpi_month

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

OVERRIDES_DIR = PACKAGE_DIR / "spark" / "overrides"
#: The canonical tables the staging SQL reads (``meta`` may be absent: then empty).
SOURCE_TABLES: tuple[str, ...] = (
    "complaints",
    "penalties",
    "departments",
    "business_volumes",
    "meta",
)
#: Derived tables written partitioned by month (column -> the date column it is cut from).
PARTITIONS: dict[str, tuple[str, str]] = {
    "stg_complaints": ("received_month", "received_date"),
    "complaints": ("received_month", "received_at"),
    kpi_month.TABLE: ("data_month", "month"),
}
#: Position of a complaint in its source (file order), DuckDB's ``rowid`` of ``complaints``:
#: carried into ``stg_complaints`` so the attached tables keep the DuckDB engine's row order
#: (sums of floating-point numbers depend on it in their last digit).
ROW_COLUMN = "source_row"
MANIFEST = "_manifest"
CANONICAL_DIR = "canonical"
#: Checked by the tests: in CI the Spark tests must run, never skip.
REQUIRE_ENV = "COMPLAINTS_REQUIRE_SPARK"


class SparkUnavailableError(RuntimeError):
    """pyspark, sqlglot or Java is missing."""


@dataclass
class BuildResult:
    """What ``build`` wrote: row counts per table, the rule fingerprint, seconds taken."""

    out: str
    fingerprint: str
    rules_versions: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --------------------------------------------------------------------------- SQL


def _rewrite(node: Any) -> Any:
    """DuckDB functions with no Spark namesake, rewritten (timestamps are TIMESTAMP_NTZ and
    the session time zone is UTC, so the ``timestamp_ltz`` casts do not shift them)."""
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        args = node.expressions
        if name == "epoch_us":  # microseconds since 1970 of a timestamp
            ltz = exp.Cast(this=args[0], to=exp.DataType.build("timestamp_ltz", dialect="spark"))
            return exp.Anonymous(this="unix_micros", expressions=[ltz])
        if name == "to_seconds":  # an interval of N (fractional) seconds
            zero = exp.Literal.number(0)
            return exp.Anonymous(this="make_dt_interval", expressions=[zero, zero, zero, args[0]])
    if (
        isinstance(node, exp.Length)
        and isinstance(node.this, exp.Cast)
        and node.this.to.is_type(exp.DataType.Type.ARRAY)
    ):  # DuckDB's len() of a list: Spark's length() is for text
        return exp.ArraySize(this=node.this)
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        # DuckDB's quantile_cont(x, p): Spark's exact percentile(x, p), the same linear
        # interpolation between the two nearest ranks
        return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
    if isinstance(node, exp.ToDays):  # an interval of N days
        zero = exp.Literal.number(0)
        return exp.Anonymous(this="make_dt_interval", expressions=[node.this, zero, zero, zero])
    if isinstance(node, exp.Column) and node.name == "rowid":
        # DuckDB's row number of `complaints`: the build numbers the rows as it reads them
        return exp.column(ROW_COLUMN, table=node.table or None)
    return node


def spark_sql(name: str) -> str:
    """The Spark SQL of the staging query ``name``: its override file when there is one,
    else ``queries/staging/<name>.sql`` (includes expanded) transpiled from DuckDB."""
    override = OVERRIDES_DIR / f"{name}.sql"
    if override.is_file():
        return store.expand_includes(override.read_text(encoding="utf-8"), name)
    return transpile(store.sql_file(name))


def transpile(sql: str) -> str:
    """DuckDB SQL → Spark SQL (SQLGlot, plus the function rewrites of ``_rewrite``)."""
    try:
        import sqlglot
    except ImportError as exc:
        raise SparkUnavailableError(_missing("sqlglot")) from exc
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(_rewrite).sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)


def overrides() -> list[str]:
    """The staging queries that run on Spark from a Spark-dialect file of their own."""
    return sorted(p.stem for p in OVERRIDES_DIR.glob("*.sql"))


def _missing(what: str) -> str:
    return (
        f"{what} is not installed: install the Spark extra (pip install "
        "'complaint-kpi-dashboard[spark]') and Java 17 (apt install openjdk-17-jre-headless)"
    )


# --------------------------------------------------------------------------- session


def session(master: str | None = None, app_name: str = "complaints") -> SparkSession:
    """A Spark session (``master`` e.g. ``local[2]``; None keeps spark-submit's choice)
    with UTC session time and time stamps without time zone, as in DuckDB."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailableError(_missing("pyspark")) from exc
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    if master and master.startswith("local"):
        # one machine: a few shuffle partitions, not the cluster default of 200; the
        # driver's ports and no web UI on the loopback interface only
        for key, value in {
            "spark.sql.shuffle.partitions": "8",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.host": "127.0.0.1",
            "spark.ui.enabled": "false",
        }.items():
            builder = builder.config(key, value)
    for key, value in {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.timestampType": "TIMESTAMP_NTZ",
        "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
        "spark.sql.ansi.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # no Java: pyspark raises PySparkRuntimeError
        raise SparkUnavailableError(f"cannot start Spark (is Java 17 installed?): {exc}") from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# --------------------------------------------------------------------------- build


def _is_path(source: str) -> bool:
    return "/" in source or "://" in source or Path(source).exists()


def _read_source(spark: SparkSession, source: str, table: str) -> DataFrame | None:
    """A canonical table from ``<source>/<table>.parquet`` (file or folder) or
    ``<source>/<table>``, or from the catalog table ``<source>.<table>``; None if absent."""
    if _is_path(source):
        base = source.rstrip("/")
        for candidate in (f"{base}/{table}.parquet", f"{base}/{table}"):
            try:
                return spark.read.parquet(candidate)
            except Exception:  # AnalysisException: PATH_NOT_FOUND
                continue
        return None
    name = f"{source}.{table}"
    return spark.table(name) if spark.catalog.tableExists(name) else None


def _frame_view(spark: SparkSession, name: str, frame: Any) -> None:
    """Register a small pandas frame as the view ``name`` with the column types DuckDB gives
    it in the DuckDB engine (through Arrow: nullable integers, dates, timestamps)."""
    import duckdb
    import pyarrow as pa

    conn = duckdb.connect(":memory:")
    try:
        conn.register("frame", frame)
        table = conn.sql("select * from frame").to_arrow_table()
    finally:
        conn.close()
    # a column without any value (e.g. no rule version ends) has Arrow's null type, which
    # Parquet cannot store: keep it as text (attach casts it to the DuckDB engine's type)
    for i, column in enumerate(table.schema):
        if pa.types.is_null(column.type):
            table = table.set_column(i, column.name, table.column(i).cast(pa.string()))
    spark.createDataFrame(table).createOrReplaceTempView(name)


def _write(spark: SparkSession, frame: DataFrame, out: str, name: str) -> int:
    """Write ``frame`` as Parquet to ``<out>/<name>`` (partitioned by month where
    ``PARTITIONS`` says), register the written copy as the view ``name``; row count."""
    from pyspark.sql import functions as F

    path = f"{out}/{name}"
    writer_frame = frame
    part = PARTITIONS.get(name)
    if part is not None:
        column, source = part
        month = F.col(source)
        if dict(frame.dtypes)[source] != "string":  # a date or time: its month as text
            month = F.date_format(month, "yyyy-MM")
        writer_frame = frame.withColumn(column, month)
        writer_frame.write.mode("overwrite").partitionBy(column).parquet(path)
    else:
        writer_frame.write.mode("overwrite").parquet(path)
    return view_written(spark, out, name, writer_frame.schema).count()


def view_written(
    spark: SparkSession, out: str, name: str, schema: StructType | None = None
) -> DataFrame:
    """Register the table ``name`` a build wrote to ``<out>/<name>`` as the view ``name``
    (without its month partition column); returns it. ``schema``: the written frame's,
    so that a table without rows (no Parquet file to infer it from) reads back too."""
    reader = spark.read if schema is None else spark.read.schema(schema)
    written = reader.parquet(f"{out}/{name}")
    if name in PARTITIONS:
        written = written.drop(PARTITIONS[name][0])
    written.createOrReplaceTempView(name)
    return written


def build(
    source: str,
    out: str,
    *,
    master: str | None = None,
    rule_set: rules.RuleSet | None = None,
    spark: SparkSession | None = None,
    progress: Any = None,
) -> BuildResult:
    """Build every derived table of ``staging.STAGING_TABLES`` and the monthly KPI mart
    (``kpi_month``) on Spark from the canonical tables at ``source`` (a folder of Parquet
    files, e.g. ``complaints export --parquet``, or a catalog database) and write them, with
    the canonical tables they came from (``<out>/canonical/``) and a manifest (rule
    fingerprint, the mart's ``meta`` keys, counts), as Parquet to ``out``.
    """
    import time

    started = time.monotonic()
    rule_set = rule_set or rules.load_rules()
    workcalendar.load_overrides()
    spark = spark or session(master)
    say = progress or (lambda _msg: None)
    out = out.rstrip("/")
    result = BuildResult(
        out=out,
        fingerprint=staging.current_fingerprint(rule_set),
        rules_versions=",".join(v.id for v in rule_set.versions),
    )
    from pyspark.sql.types import StringType, StructField, StructType

    for table in SOURCE_TABLES:
        frame = _read_source(spark, source, table)
        if frame is None:
            if table != "meta":
                raise FileNotFoundError(f"{source}: no table {table} (Parquet or catalog)")
            schema = StructType(
                [StructField("key", StringType()), StructField("value", StringType())]
            )
            frame = spark.createDataFrame([], schema)
        if table == "complaints":
            from pyspark.sql import functions as F

            frame = frame.withColumn(ROW_COLUMN, F.monotonically_increasing_id())
        result.counts[f"{CANONICAL_DIR}/{table}"] = _write(
            spark, frame, f"{out}/{CANONICAL_DIR}", table
        )
        say(f"read {table}: {result.counts[f'{CANONICAL_DIR}/{table}']:,} rows")
    frames = staging.rule_frames(rule_set)
    for name in staging.STAGING_TABLES:
        if name in frames:
            _frame_view(spark, name, frames[name])
            frame = spark.table(name)
        elif name == "stg_calendar_days":
            lo, hi = spark.sql(transpile(store.sql_file("calendar_range"))).collect()[0]
            start, end = staging.calendar_span(lo, hi)
            days = workcalendar.calendar_frame(start, end).rename(columns={"date": "cal_date"})
            _frame_view(spark, name, days)
            frame = spark.table(name)
        elif name == "stg_group_triggers":
            frame = None
            for hours, minimum in staging.group_rule_pairs(rule_set):
                sql = spark_sql(name).replace("$WINDOW_US", str(round(hours * 3600e6)))
                part = spark.sql(sql, args={"window_hours": hours, "min_customers": minimum})
                frame = part if frame is None else frame.unionByName(part)
        else:
            frame = spark.sql(spark_sql(name))
        assert frame is not None
        result.counts[name] = _write(spark, frame, out, name)
        say(f"built {name}: {result.counts[name]:,} rows")
    mart_meta = build_kpi_month(spark, out, result)
    say(f"built {kpi_month.TABLE}: {result.counts[kpi_month.TABLE]:,} rows")
    result.seconds = round(time.monotonic() - started, 1)
    manifest = {
        **mart_meta,
        "staging_fingerprint": result.fingerprint,
        "rules_fingerprint": rule_set.fingerprint(),
        "rules_versions": result.rules_versions,
        "rules_content": rule_set.content.decode("utf-8", "replace"),
        "source": source,
        "built_at": dt.datetime.now().isoformat(sep=" ", timespec="seconds"),
        "spark_version": spark.version,
        "counts": result.counts,
        "seconds": result.seconds,
    }
    spark.createDataFrame([(json.dumps(manifest, ensure_ascii=False),)], "value string").coalesce(
        1
    ).write.mode("overwrite").text(f"{out}/{MANIFEST}")
    return result


def _spark_value(value: object) -> Any:
    """A query parameter as Spark binds it: dates and times as text the SQL casts (a
    Python datetime would be read in the driver's local time zone), lists as arrays (the
    SQL casts them to its type) and None as a null."""
    from pyspark.sql import functions as F

    if isinstance(value, list):
        return F.array(*[F.lit(str(v)) for v in value])
    if value is None:
        return F.lit(None)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _spark_params(params: dict[str, object]) -> dict[str, Any]:
    return {name: _spark_value(value) for name, value in params.items()}


def build_kpi_month(spark: SparkSession, out: str, result: BuildResult) -> dict[str, str]:
    """The monthly KPI mart of ``kpi_month`` on Spark, from the derived tables written
    (``build`` runs it last; their views registered): the data's as-of
    (``kpi_month.data_as_of_with``), then each query of ``kpi_month.plan``: every grain
    over all receipt months in one query (Spark spreads the months; the DuckDB engine
    batches them to bound its memory) and the comparison months. Writes
    ``<out>/mart_kpi_month`` by month; returns the mart's ``meta`` keys."""
    from pyspark.sql import functions as F

    def scalar(name: str, params: dict[str, object]) -> object:
        sql = transpile(store.sql_file(name))
        return spark.sql(sql, args=_spark_params(params)).collect()[0][0]

    as_of = kpi_month.data_as_of_with(scalar)
    spans: list[tuple[dt.date, dt.date]] = []
    if as_of is not None:
        first, last = spark.sql(
            "select min(received_date), max(received_date) from stg_complaints"
            " where received_at <= cast(:a as timestamp_ntz)",
            args={"a": as_of.isoformat(sep=" ")},
        ).collect()[0]
        spans = [(first.replace(day=1), add_months(last.replace(day=1), 1))]
    frame = None
    for job in kpi_month.plan(spans, as_of):
        summary = spark.sql(
            transpile(kpi_month.summary_sql(job.grain)), args=_spark_params(job.params())
        )
        # kpi_month._sql's wrapper: the key columns, then the summary's own but its dim
        part = summary.select(
            F.lit(job.grain).alias("grain"),
            F.lit(_spark_value(job.view_as_of)).cast("timestamp_ntz").alias("as_of"),
            F.col("dim")[0].alias("month"),
            F.col("dim")[1].alias("dim"),
            *[F.col(c) for c in summary.columns if c != "dim"],
        )
        frame = part if frame is None else frame.unionByName(part)
    if frame is None:  # no complaints: an empty mart
        frame = spark.createDataFrame([], "grain string, month string, as_of timestamp_ntz")
    result.counts[kpi_month.TABLE] = _write(spark, frame, out, kpi_month.TABLE)
    return kpi_month.meta_values(as_of, result.fingerprint)
