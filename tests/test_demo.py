"""The demo company: template schema, determinism, realism, stories and export files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from queries import demo as demo_mod
from queries import store
from queries.config import schema, vocab
from queries.demo import company, export, generate

END = "2025-10"  # fixed so the tests do not depend on today's date
TABLES = {
    "complaints": "complaints",
    "penalties": "penalties",
    "departments": "departments",
    "volumes": "business_volumes",
}


def _q(path: Path, sql: str, params: dict | None = None) -> list[tuple]:
    conn = store.open_snapshot(path)
    try:
        return conn.execute(sql, params or {}).fetchall()
    finally:
        conn.close()


def _one(path: Path, sql: str, params: dict | None = None):
    return _q(path, sql, params)[0][0]


def _checksums(path: Path) -> dict[str, str]:
    """md5 over every row of each canonical table (and the demo's meta), in a fixed order."""
    out = {}
    for table in TABLES.values():
        out[table] = _one(
            path, f"select md5(string_agg(t::varchar, '|' order by t::varchar)) from {table} t"
        )
    # the demo's own meta keys (the staging layer adds its refresh time to meta as well)
    out["meta"] = _one(
        path,
        "select md5(string_agg(t::varchar, '|' order by t::varchar)) from meta t"
        " where key like 'demo\\_%' escape '\\'",
    )
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, demo_mod.DemoSummary]:
    """3,000 complaints with export files."""
    folder = tmp_path_factory.mktemp("demo_small")
    summary = demo_mod.build_demo(
        folder / "demo.duckdb", rows=3_000, months=24, end_month=END, seed=7
    )
    return folder / "demo.duckdb", summary


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    """The default-size demo (50,000 complaints), without export files."""
    path = tmp_path_factory.mktemp("demo_full") / "demo.duckdb"
    demo_mod.build_demo(path, end_month=END, exports=False)
    return path


# --------------------------------------------------------------------------- shape


@pytest.mark.parametrize("template", sorted(TABLES))
def test_tables_match_the_templates(small, template):
    path, _ = small
    rows = _q(
        path,
        "select column_name, data_type from information_schema.columns"
        " where table_name = $t order by ordinal_position",
        {"t": TABLES[template]},
    )
    assert rows == [(c.name, c.sql_type) for c in schema.TEMPLATES[template]]


def test_summary_counts_equal_the_tables(small):
    path, summary = small
    assert summary.complaints == 3_000 == _one(path, "select count(*) from complaints")
    assert summary.penalties == _one(path, "select count(*) from penalties") > 0
    assert summary.departments == len(company.DEPARTMENTS) == 20
    assert summary.volume_rows == 20 * 24
    assert (summary.first_month, summary.end_month) == ("2023-11", END)


def test_meta_holds_only_deterministic_values(small):
    path, _ = small
    meta = dict(_q(path, "select key, value from meta"))
    assert meta == {
        "demo_seed": "7",
        "demo_end_month": END,
        "demo_rows": "3000",
        "demo_months": "24",
        "demo_company": "华信电器 Huaxin Electric",
        "demo_generator_version": demo_mod.GENERATOR_VERSION,
    } | {k: v for k, v in meta.items() if not k.startswith("demo_")}


def test_departments_form_a_two_level_tree(small):
    path, _ = small
    rows = _q(path, "select department_id, name_zh, name_en, parent_id, head from departments")
    by_id = {r[0]: r for r in rows}
    parents = [r for r in rows if r[3] is None]
    assert len(rows) >= 16 and len(parents) == 5
    assert all(by_id[r[3]][3] is None for r in rows if r[3] is not None)  # two levels
    assert all(r[2] and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", r[4]) for r in rows)
    assert {"客服中心", "物流配送部", "售后服务部", "华东分公司", "广州天河店"} <= {
        r[1] for r in rows
    }


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_tables_and_another_seed_does_not(tmp_path):
    kw = {"rows": 1_500, "months": 24, "end_month": END, "exports": False}
    a = _checksums(demo_mod.build_demo(tmp_path / "a.duckdb", seed=11, **kw).db_path)
    b = _checksums(demo_mod.build_demo(tmp_path / "b.duckdb", seed=11, **kw).db_path)
    c = _checksums(demo_mod.build_demo(tmp_path / "c.duckdb", seed=12, **kw).db_path)
    assert a == b
    assert all(v is not None for v in a.values())
    for table in ("complaints", "penalties", "business_volumes", "meta"):
        assert a[table] != c[table]
    assert a["departments"] == c["departments"]  # the organisation does not depend on seed


def test_default_end_month_is_last_complete_month():
    assert demo_mod.default_end_month(dt.date(2026, 11, 23)) == "2026-10"
    assert demo_mod.default_end_month(dt.date(2026, 1, 1)) == "2025-12"
    assert demo_mod.parse_end_month("2025-3") == "2025-03"
    for bad in ("2025-13", "25-10", "2025/10", "x"):
        with pytest.raises(ValueError):
            demo_mod.parse_end_month(bad)


def test_too_few_rows_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 500"):
        demo_mod.build_demo(tmp_path / "x.duckdb", rows=100, end_month=END)
    assert not (tmp_path / "x.duckdb").exists()


# --------------------------------------------------------------------------- consistency


def test_ids_unique_and_links_point_to_earlier_complaints_of_the_customer(small):
    path, _ = small
    assert _one(path, "select count(distinct complaint_id) = count(*) from complaints")
    assert _one(path, "select count(distinct penalty_id) = count(*) from penalties")
    assert _one(
        path, "select bool_and(regexp_full_match(complaint_id, 'TS\\d{13}')) from complaints"
    )
    bad_links = _one(
        path,
        "select count(*) from complaints c left join complaints p"
        " on p.complaint_id = c.parent_complaint_id where c.parent_complaint_id is not null"
        " and (p.complaint_id is null or p.customer_id <> c.customer_id"
        " or p.category <> c.category or p.received_at > c.received_at"
        " or c.received_at > p.received_at + interval 30 day)",
    )
    assert bad_links == 0
    assert _one(path, "select count(*) from complaints where parent_complaint_id is not null") > 0


def test_timestamps_are_ordered_and_status_follows_them(small):
    path, _ = small
    bad = _one(
        path,
        """
        select count(*) from complaints where
            acknowledged_at < received_at
            or first_response_at < acknowledged_at
            or resolved_at < first_response_at
            or closed_at < resolved_at
            or surveyed_at <= resolved_at
            or (first_response_at is not null and acknowledged_at is null)
            or (resolved_at is not null and first_response_at is null)
            or (closed_at is not null and resolved_at is null)
            or (surveyed_at is not null) <> (satisfaction is not null)
            or (is_valid is null) <> (resolved_at is null)
            or (is_malicious and is_valid)
            or status <> case
                when closed_at is not null and resolution = '客户主动撤销投诉' then 'withdrawn'
                when closed_at is not null then 'closed'
                when resolved_at is not null then 'resolved'
                when first_response_at is not null then 'in_progress'
                else 'pending' end
            or (concealed and severity <> 'major')
            or (compensation_type is null) <> (compensation_amount is null)
            or received_at < timestamp '2023-11-01' or received_at >= timestamp '2025-11-01'
        """,
    )
    assert bad == 0
    latest = _one(
        path,
        "select greatest(max(received_at), max(acknowledged_at), max(first_response_at),"
        " max(resolved_at), max(closed_at), max(surveyed_at)) from complaints",
    )
    assert latest < dt.datetime(2025, 11, 1)


def test_customers_have_one_name_and_a_chinese_mobile(small):
    path, _ = small
    assert (
        _one(
            path,
            "select count(*) from (select customer_id from complaints group by customer_id"
            " having count(distinct customer_name) > 1 or count(distinct customer_phone) > 1)",
        )
        == 0
    )
    phones = [r[0] for r in _q(path, "select distinct customer_phone from complaints")]
    assert all(re.fullmatch(r"1[358]\d{9}", p) for p in phones)
    names = [r[0] for r in _q(path, "select distinct customer_name from complaints")]
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", n) for n in names)


def test_coded_columns_hold_only_codes(small):
    path, _ = small
    for column, codes in (
        ("channel", schema.CHANNELS),
        ("severity", schema.SEVERITIES),
        ("status", schema.STATUSES),
        ("compensation_type", schema.COMPENSATION_TYPES),
    ):
        found = {r[0] for r in _q(path, f"select distinct {column} from complaints")} - {None}
        assert found <= set(codes), column
    cats = {r[0] for r in _q(path, "select distinct category from complaints")}
    assert cats == set(vocab.CATEGORIES)
    for column, codes in (
        ("responsibility_type", schema.RESPONSIBILITY_TYPES),
        ("measure", schema.MEASURES),
        ("appeal_status", schema.APPEAL_STATUSES),
    ):
        found = {r[0] for r in _q(path, f"select distinct {column} from penalties")} - {None}
        assert found <= set(codes), column


# --------------------------------------------------------------------------- penalties


def test_penalties_only_for_valid_non_malicious_complaints(full):
    bad = _one(
        full,
        "select count(*) from penalties p left join complaints c using (complaint_id)"
        " where c.complaint_id is null or not c.is_valid or c.is_malicious"
        " or p.department <> c.department or p.investigation_end < c.resolved_at::date"
        " or p.decided_at < p.investigation_end or p.publicized_from <= p.decided_at"
        " or p.executed_at < p.publicized_from"
        " or (p.joint_fine_amount is not null and (c.escalation_level < 2"
        "     or p.joint_fine_amount <> p.fine_amount / 2))"
        " or (p.fine_amount is not null and p.fine_amount not between 50 and 2000)",
    )
    assert bad == 0


def test_penalty_ledger_has_the_cases_a_meeting_discusses(full):
    rows = dict(
        _q(
            full,
            """
            select 'escalated_fined_without_joint', count(*) from penalties p
                join complaints c using (complaint_id)
                where c.escalation_level >= 2 and p.fine_amount is not null
                and p.joint_fine_amount is null
            union all select 'joint', count(joint_fine_amount) from penalties
            union all select 'undecided', count(*) - count(decided_at) from penalties
            union all select 'late', count(*) from penalties where decided_at >
                investigation_end + case responsibility_type when 'employee' then 15 else 30 end
            union all select 'pending', count(*) from penalties where appeal_status = 'pending'
            union all select 'revoked', count(*) from penalties where appeal_status = 'revoked'
            union all select 'management', count(*) from penalties
                where responsibility_type = 'management'
            """,
        )
    )
    assert all(v > 0 for v in rows.values()), rows
    causes = {r[0] for r in _q(full, "select distinct cause from penalties")}
    assert causes == {name for name, _ in company.PENALTY_CAUSES}


# --------------------------------------------------------------------------- realism


def test_every_department_has_complaints_in_every_month(full):
    rows = _q(
        full,
        "select d.name_zh, count(distinct date_trunc('month', c.received_at))"
        " from departments d left join complaints c on c.department = d.name_zh group by 1",
    )
    assert len(rows) == 20
    assert {months for _, months in rows} == {24}
    assert _one(full, "select count(*) from business_volumes where volume <= 0") == 0
    assert _one(full, "select count(distinct (department, month)) from business_volumes") == 480


def test_rates_are_within_the_promised_ranges(full):
    r = _q(
        full,
        """
        select
            avg(is_valid::int),
            avg((parent_complaint_id is not null)::int),
            count(surveyed_at) / count(resolved_at),
            avg(case when satisfaction >= 4 then 1.0 when satisfaction is not null then 0.0 end),
            avg((severity = 'major')::int),
            avg((severity = 'urgent')::int),
            avg((escalation_level >= 2)::int),
            avg(multi_department::int),
            count(*) filter (where is_malicious) / count(resolved_at),
            avg(case when severity = 'general' and first_response_at is not null
                then (first_response_at <= received_at + interval 24 hour)::int end),
            avg(case when severity = 'general' and resolved_at is not null
                then (resolved_at <= received_at + interval 5 day)::int end),
            avg((resolved_at is null)::int)
        from complaints
        """,
    )[0]
    promised = (
        demo_mod.VALID_RATE_RANGE,
        demo_mod.PARENT_LINKED_RANGE,
        demo_mod.SURVEY_COVERAGE_RANGE,
        demo_mod.CSAT_RANGE,
        demo_mod.MAJOR_SHARE_RANGE,
        demo_mod.URGENT_SHARE_RANGE,
        demo_mod.ESCALATED_SHARE_RANGE,
        demo_mod.MULTI_DEPARTMENT_RANGE,
        demo_mod.MALICIOUS_SHARE_RANGE,
        demo_mod.RESPONSE_24H_RANGE,
        demo_mod.RESOLVED_5_DAYS_RANGE,
        demo_mod.OPEN_AT_END_RANGE,
    )
    for value, (lo, hi) in zip(r, promised, strict=True):
        assert lo <= value <= hi, (value, lo, hi)


def test_repeat_share_by_the_documented_definition(full):
    share = _one(
        full,
        """
        select avg((c.parent_complaint_id is not null or exists (
            select 1 from complaints p where p.customer_id = c.customer_id
            and p.category = c.category and p.received_at < c.received_at
            and p.received_at >= c.received_at - interval 720 hour))::int)
        from complaints c
        """,
    )
    lo, hi = demo_mod.REPEAT_SHARE_RANGE
    assert lo <= share <= hi


def test_penalty_coverage_and_joint_fine_share(full):
    coverage = _one(
        full,
        "select avg((exists (select 1 from penalties p"
        " where p.complaint_id = c.complaint_id))::int) from complaints c where c.is_valid",
    )
    lo, hi = demo_mod.PENALTY_COVERAGE_RANGE
    assert lo <= coverage <= hi
    joint = _one(
        full,
        "select count(joint_fine_amount) / count(*) from penalties p join complaints c"
        " using (complaint_id) where c.escalation_level >= 2 and p.fine_amount is not null",
    )
    lo, hi = demo_mod.JOINT_FINE_RECORDED_RANGE
    assert lo <= joint <= hi


def test_planted_group_incidents_have_five_customers_within_a_day(full):
    found = _q(
        full,
        "select description, department, category, count(distinct customer_id),"
        " max(received_at) - min(received_at) from complaints"
        " where description = any($texts) group by all",
        {"texts": [spec[-1] for spec in company.INCIDENTS]},
    )
    assert len(found) >= demo_mod.MIN_GROUP_INCIDENTS
    for text, dept, cat, customers, span in found:
        spec = next(s for s in company.INCIDENTS if s[-1] == text)
        assert (dept, cat) == (spec[0], spec[4])
        assert customers >= 5
        if dept != company.LOGISTICS:  # logistics has one outage per November
            assert span < dt.timedelta(hours=24)


def test_weekdays_and_business_hours_dominate(full):
    weekday, weekend, office = _q(
        full,
        "select count(*) filter (where isodow(received_at) <= 5) / 5,"
        " count(*) filter (where isodow(received_at) > 5) / 2,"
        " avg((hour(received_at) between 8 and 20)::int) from complaints",
    )[0]
    assert weekday > 1.1 * weekend
    assert office > 0.8


def test_stories_show_in_the_data(full):
    def monthly(dept: str) -> dict[dt.date, int]:
        return dict(
            _q(
                full,
                "select date_trunc('month', received_at)::date, count(*) from complaints"
                " where department = $d group by 1",
                {"d": dept},
            )
        )

    logistics = monthly(company.LOGISTICS)
    november = [n for m, n in logistics.items() if m.month == 11]
    others = [n for m, n in logistics.items() if m.month not in (11, 12)]
    assert min(november) > 2 * (sum(others) / len(others))

    slipper = monthly(company.SLIPPER)
    months = sorted(slipper)
    assert (
        sum(slipper[m] for m in months[-3:]) / 3 > 1.4 * sum(slipper[m] for m in months[:12]) / 12
    )

    def mean_resolution_h(dept: str, start: str, end: str) -> float:
        return _one(
            full,
            "select avg(epoch(resolved_at - received_at)) / 3600 from complaints"
            " where department = $d and received_at >= $s::timestamp"
            " and received_at < $e::timestamp",
            {"d": dept, "s": start, "e": end},
        )

    # 广州天河店: new head from 2024-11 (12 months before the end); better a year on
    assert mean_resolution_h(company.IMPROVER, "2025-07-01", "2025-11-01") < 0.7 * (
        mean_resolution_h(company.IMPROVER, "2024-07-01", "2024-11-01")
    )
    spring = _one(
        full,
        "select sum(volume) from business_volumes where month = date '2025-01-01'",
    )
    around = _one(
        full,
        "select sum(volume) / 2 from business_volumes"
        " where month in (date '2024-12-01', date '2025-03-01')",
    )
    assert spring < 0.9 * around  # Spring Festival 2025 began on 29 January


def test_penalised_heads_follow_the_head_change(full):
    heads = dict(
        _q(
            full,
            "select c.received_at < timestamp '2024-11-01', list(distinct p.department_head)"
            " from penalties p join complaints c using (complaint_id)"
            " where p.department = $d group by 1",
            {"d": company.IMPROVER},
        )
    )
    assert heads == {True: ["陈志强"], False: ["林晓峰"]}


# --------------------------------------------------------------------------- exports


def _read_csv(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode(export.CSV_ENCODING)  # strict: raises on bad bytes
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("file_name", "template"),
    [
        ("complaints.csv", "complaints"),
        ("penalties.csv", "penalties"),
        ("departments.csv", "departments"),
        ("volumes.csv", "volumes"),
    ],
)
def test_export_files_follow_the_templates(small, file_name, template):
    path, summary = small
    rows = _read_csv(Path(summary.export_dir) / file_name)
    assert rows[0] == [c.zh for c in schema.TEMPLATES[template]]
    north = (
        _read_csv(Path(summary.export_dir) / export.NORTH_FILE)
        if template == "complaints"
        else [[]]
    )
    assert len(rows) - 1 + len(north) - 1 == _one(path, f"select count(*) from {TABLES[template]}")


def test_north_stores_export_no_ladder_columns_and_their_stages_are_not_measured(small):
    # issue 16: 华北分公司 and its stores run another system without the stage columns
    path, summary = small
    north = _read_csv(Path(summary.export_dir) / export.NORTH_FILE)
    ladder = set(generate.LADDER_COLUMNS)
    assert north[0] == [c.zh for c in schema.COMPLAINT_COLUMNS if c.name not in ladder]
    departments = {r[north[0].index("责任部门")] for r in north[1:]}
    assert departments <= set(generate.NO_LADDER_DEPARTMENTS) and departments
    main = _read_csv(Path(summary.export_dir) / "complaints.csv")
    assert not {r[main[0].index("责任部门")] for r in main[1:]} & departments
    measured = dict(_q(path, "select department_id, sup_classified from stg_supplied"))
    assert not any(measured[d] for d in ("D04", "D0401", "D0402"))
    assert measured["D0101"]


def test_complaints_export_uses_chinese_words(small):
    path, summary = small
    rows = _read_csv(Path(summary.export_dir) / "complaints.csv")
    header, body = rows[0], rows[1:]
    col = {
        name: header.index(c.zh)
        for name, c in zip(schema.column_names("complaints"), schema.COMPLAINT_COLUMNS, strict=True)
    }
    assert {r[col["channel"]] for r in body} <= {w[0] for w in vocab.VOCAB["channel"].values()}
    assert {r[col["severity"]] for r in body} == {"一般", "紧急", "重大"}
    assert {r[col["is_valid"]] for r in body} == {"是", "否", ""}
    assert {r[col["satisfaction"]] for r in body} == {
        "非常满意", "满意", "一般", "不满意", "非常不满意", ""}  # fmt: skip
    first = _q(
        path,
        "select complaint_id, strftime(received_at, '%Y-%m-%d %H:%M:%S'), department,"
        " customer_phone from complaints order by complaint_id limit 1",
    )[0]
    assert (
        body[0][col["complaint_id"]],
        body[0][col["received_at"]],
        body[0][col["department"]],
        body[0][col["customer_phone"]],
    ) == first


def test_penalties_export_words_match_the_table(small):
    path, summary = small
    rows = _read_csv(Path(summary.export_dir) / "penalties.csv")
    header, body = rows[0], rows[1:]
    db_rows = _q(
        path,
        "select penalty_id, responsibility_type, measure, appeal_status, status,"
        " coalesce(fine_amount::varchar, ''), coalesce(strftime(decided_at, '%Y-%m-%d'), '')"
        " from penalties order by penalty_id",
    )
    words = {k: {c: w[0] for c, w in vocab.VOCAB[k].items()} for k in vocab.VOCAB}
    expected = [
        [
            pid,
            words["responsibility_type"][resp],
            words["measure"][measure],
            words["appeal_status"][appeal] if appeal else "",
            status,
            fine,
            decided,
        ]
        for pid, resp, measure, appeal, status, fine, decided in db_rows
    ]
    cols = [header.index(z) for z in ("追责编号", "责任类型", "处理措施", "申诉状态", "状态",
                                      "罚款金额", "决定日期")]  # fmt: skip
    assert [[r[i] for i in cols] for r in body] == expected
    assert {r[cols[4]] for r in body} <= set(company.PENALTY_STATUSES)


def test_complaints_workbook_matches_the_csv(small):
    _, summary = small
    folder = Path(summary.export_dir)
    sheet = CalamineWorkbook.from_path(str(folder / "complaints.xlsx")).get_sheet_by_index(0)
    cells = sheet.to_python()
    assert [str(v) for v in cells[0]] == [c.zh for c in schema.COMPLAINT_COLUMNS]
    assert len(cells) == len(_read_csv(folder / "complaints.csv"))
    assert str(cells[1][0]) == _read_csv(folder / "complaints.csv")[1][0]
    assert sorted(p.name for p in folder.iterdir()) == [
        "complaints.csv", "complaints.xlsx", "complaints_north.csv", "departments.csv",
        "penalties.csv", "volumes.csv",
    ]  # fmt: skip


def test_no_exports_writes_no_files(tmp_path):
    summary = demo_mod.build_demo(tmp_path / "d.duckdb", rows=600, end_month=END, exports=False)
    assert summary.export_files == [] and summary.export_dir is None
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [
        "d.duckdb"
    ]


def test_large_demo_skips_the_workbook(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 700)
    out = tmp_path / "exports"
    out.mkdir()
    (out / "complaints.xlsx").write_bytes(b"stale")
    summary = demo_mod.build_demo(tmp_path / "d.duckdb", rows=800, end_month=END, export_dir=out)
    assert summary.xlsx_skipped and "800" in summary.xlsx_skipped
    assert not (out / "complaints.xlsx").exists()
    assert (out / "complaints.csv").exists()


# --------------------------------------------------------------------------- ensure_demo


def test_ensure_demo_builds_once(tmp_path):
    path = tmp_path / "auto.duckdb"
    assert demo_mod.ensure_demo(path) is True
    assert _one(path, "select count(*) from complaints") == demo_mod.DEFAULT_ROWS
    before = path.stat().st_ino, path.stat().st_mtime_ns
    assert demo_mod.ensure_demo(path) is False
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == before
    assert not (tmp_path / "demo_exports").exists()


def test_export_files_import_back_to_identical_tables(small, tmp_path, capsys):
    """The importer reads the demo's files (CSV and the workbook) into the same records."""
    from queries.cli import main

    path, summary = small
    folder = Path(summary.export_dir)
    target = tmp_path / "imported.duckdb"
    files = [
        "departments.csv",
        "volumes.csv",
        "complaints.xlsx",
        export.NORTH_FILE,
        "penalties.csv",
    ]
    code = main(["--db", str(target), "import", *(str(folder / f) for f in files)])
    capsys.readouterr()
    assert code == 0
    conn = duckdb.connect()
    try:
        conn.execute("attach $p as built (read_only)", {"p": str(path)})
        conn.execute("attach $p as imported (read_only)", {"p": str(target)})
        for table in TABLES.values():
            differ = conn.execute(
                f"select (select count(*) from (select * from built.{table}"
                f" except select * from imported.{table})) + (select count(*) from"
                f" (select * from imported.{table} except select * from built.{table}))"
            ).fetchall()[0][0]
            assert differ == 0, table
        assert conn.execute("select count(*) from imported.complaints").fetchall() == [(3000,)]
        # the north stores' file had no stage columns: their stages are not measured
        sup = conn.execute(
            "select department_id, sup_classified from imported.stg_supplied order by 1"
        ).fetchall()
        assert [d for d, s in sup if not s] == ["D04", "D0401", "D0402"]
    finally:
        conn.close()
