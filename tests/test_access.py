"""Who sees what, in the engine: the roles file, the viewer's department scope on the read
context (every query), and the audit trail (side file, publication, rule changes, CLI)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from queries import audit, context, store
from queries.cli import main
from queries.config import roles
from queries.config.rules import RULES_FILE
from queries.marts import accountability, explain, kpi, scoring
from queries.periods import Period
from tests import scope_data

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
AS_OF = dt.datetime(2026, 3, 31, 23, 0)

ROLES_TOML = """\
[settings]
contact = "质量管理部 王芳"

[users."li.na@example.com"]
role = "department_head"
departments = ["EAST"]

[groups."/complaints/executives"]
role = "executive"
departments = "all"

[groups."/complaints/west"]
role = "department_head"
departments = ["华西区"]
"""


# --------------------------------------------------------------------------- roles file


def test_roles_grant_users_before_groups_and_unknown_gets_none() -> None:
    table = roles.parse_roles(ROLES_TOML)
    head = table.grant_for(["li.na@example.com"], ["/complaints/executives"])
    assert (head.role, head.departments, head.source) == (
        "department_head",
        ("EAST",),
        "users.li.na@example.com",
    )
    boss = table.grant_for(["wang@example.com"], ["/complaints/executives"])
    assert (boss.role, boss.departments) == ("executive", None)
    assert table.grant_for(["x@example.com"], ["/other"]) is None
    assert table.contact == "质量管理部 王芳"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[users."a"]\nrole = "boss"\ndepartments = "all"\n', "roles.toml:2: [users.'a'] role"),
        (
            '[users."a"]\nrole = "department_head"\ndepartments = "all"\n',
            "roles.toml:1: [users.'a'] a department_head needs a list",
        ),
        ('[groups."g"]\nrole = "quality"\ndepartments = []\n', "roles.toml:3: [groups.'g']"),
        ('[users."a"]\nrole = "quality"\ndepts = "all"\n', "roles.toml:3: [users.'a'] unknown"),
        ('[users."a"\nrole = "quality"\n', "roles.toml:1: invalid TOML"),
        ("\n\n[people]\nx = 1\n", "roles.toml:3: unknown section 'people'"),
    ],
)
def test_roles_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(roles.RolesError) as err:
        roles.parse_roles(text, source="roles.toml")
    assert str(err.value).startswith(message), str(err.value)


def test_roles_file_is_reloaded_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(ROLES_TOML, encoding="utf-8")
    assert roles.load_roles(path).users["li.na@example.com"].departments == ("EAST",)
    path.write_text(ROLES_TOML.replace('["EAST"]', '["EAST1", "WEST"]'), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert roles.load_roles(path).users["li.na@example.com"].departments == ("EAST1", "WEST")


# --------------------------------------------------------------------------- scope


@pytest.fixture
def company(tmp_path: Path) -> Path:
    return scope_data.build(tmp_path / "company.duckdb")


def _ctx(path: Path, scope):
    return context.open_context(store.Reader(path).cursor(), scope=scope)


def test_scope_is_the_subtree_and_numbers_match_a_department_filter(company: Path) -> None:
    east = _ctx(company, ["EAST"])
    assert east.scope == ("EAST", "EAST1")
    scoped = kpi.kpis(east, MARCH, as_of=AS_OF)
    everyone = _ctx(company, None)
    filtered = kpi.kpis(everyone, MARCH, kpi.Filters(department=("EAST",)), as_of=AS_OF)
    assert int(scoped["received"].iloc[0]) == 5  # 3 in 华东一部 + 2 in 华东区
    cols = ["received", "resolved", "backlog_open", "resolution_rate"]
    assert scoped[cols].to_dict("records") == filtered[cols].to_dict("records")
    assert int(kpi.kpis(everyone, MARCH, as_of=AS_OF)["received"].iloc[0]) == 9
    by = kpi.kpis(east, MARCH, as_of=AS_OF, by="department")
    assert dict(zip(by["department_id"], by["received"], strict=True)) == {"EAST1": 3, "EAST": 2}


def test_scope_by_name_and_every_list_stays_inside(company: Path) -> None:
    west = _ctx(company, ["华西区"])
    assert west.scope == ("WEST",)
    ids = kpi.complaints_list(west, MARCH, as_of=AS_OF)["complaint_id"].tolist()
    assert sorted(ids) == ["W-1", "W-2", "W-3", "W-4"]
    assert kpi.drill(west, "received", MARCH, as_of=AS_OF)["complaint_id"].str[0].eq("W").all()
    assert set(kpi.at_risk(west, AS_OF)["complaint_id"]) == {"W-2", "W-4"}
    assert scoring.department_scores(west, "2026-03")["department_id"].tolist() == ["WEST"]
    assert accountability.accountability(west, MARCH, as_of=AS_OF)["penalties"].iloc[0] == 0
    with pytest.raises(explain.UnknownComplaintError):
        explain.explain(west, "E1-1")
    assert explain.explain(west, "W-1")["complaint_id"] == "W-1"
    tables = store.run_query(west.cur, "ui/data_totals").iloc[0]
    assert (int(tables["complaints"]), int(tables["departments"])) == (4, 1)
    assert store.run_query(west.cur, "ui/departments")["department_id"].tolist() == ["WEST"]


def test_scope_does_not_leak_to_other_cursors(company: Path) -> None:
    reader = store.Reader(company)
    east = context.open_context(reader.cursor(), scope=["EAST"])
    west = context.open_context(reader.cursor(), scope=["WEST"])
    whole = context.open_context(reader.cursor())
    counts = [int(kpi.kpis(c, MARCH, as_of=AS_OF)["received"].iloc[0]) for c in (east, west, whole)]
    assert counts == [5, 4, 9]
    assert context.scope_text(east, "en") == "Scope: East (with sub-departments)"
    assert context.scope_text(whole) == "范围：全公司"


def test_unknown_department_scope_sees_nothing(company: Path) -> None:
    nobody = _ctx(company, ["NOPE"])
    assert nobody.scope == ()
    assert int(kpi.kpis(nobody, MARCH, as_of=AS_OF)["received"].iloc[0]) == 0


def test_meeting_pack_says_its_scope(company: Path) -> None:
    from queries.reports import meeting

    pack = meeting.build_pack(_ctx(company, ["EAST"]), "2026-03", AS_OF)
    assert pack["scope"] == {
        "ids": ["EAST", "EAST1"],
        "zh": "范围：华东区（含下级部门）",
        "en": "Scope: East (with sub-departments)",
    }
    assert pack["kpis"]["received"] == 5


# --------------------------------------------------------------------------- audit


def test_pending_rows_move_into_the_database_at_the_next_publication(company: Path) -> None:
    audit.record(company, "download", who="li.na@example.com", rows=5, scope="EAST")
    with audit.acting_as("wang@example.com"):
        audit.record(company, "sign_in")
    assert len(audit.read(company)) == 2  # pending only
    with store.write_transaction(company, derive=None):
        pass
    conn = store.open_snapshot(company)
    try:
        published = conn.execute(
            "select who, action, rows, scope from audit_log order by who"
        ).fetchall()
        trail = audit.read(company, conn)
    finally:
        conn.close()
    assert published == [
        ("li.na@example.com", "download", 5, "EAST"),
        ("wang@example.com", "sign_in", None, None),
    ]
    assert audit.read(company).empty  # the side file was emptied
    assert sorted(trail["who"]) == ["li.na@example.com", "wang@example.com"]


def test_rule_change_is_audited_with_a_diff_and_listed_by_the_cli(
    company: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    changed = tmp_path / "rules.toml"
    text = RULES_FILE.read_text(encoding="utf-8")
    changed.write_text(text.replace("target = 0.95", "target = 0.97", 1), encoding="utf-8")
    monkeypatch.setenv("COMPLAINTS_RULES", str(changed))
    assert main(["--db", str(company), "rebuild"]) == 0
    capsys.readouterr()
    assert main(["--db", str(company), "audit", "--format", "json", "--action", "rule_change"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    detail = json.loads(rows[0]["detail"])
    assert "-target = 0.95\n+target = 0.97\n" in detail["diff"]
    assert rows[0]["who"] == audit.os_user()
    # a second rebuild with the same rules is no rule change
    assert main(["--db", str(company), "rebuild"]) == 0
    capsys.readouterr()
    assert main(["--db", str(company), "audit", "--format", "json", "--action", "rule_change"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_cli_audit_filters_by_who_and_since(company: Path, capsys) -> None:
    audit.record(company, "download", who="a@example.com", rows=3)
    audit.record(company, "export", who="b@example.com", rows=7)
    assert main(["--db", str(company), "audit", "--who", "b@example.com", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["who"], r["action"], r["rows"]) for r in rows] == [("b@example.com", "export", 7)]
    assert main(["--db", str(company), "audit", "--since", "2999-01-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_imports_are_audited_by_the_writer(company: Path, tmp_path: Path) -> None:
    from queries.importer import import_files

    csv = tmp_path / "more.csv"
    csv.write_text(
        "complaint_id,received_at,department,category,severity,channel,customer_id\n"
        "W-9,2026-03-20 09:00:00,华西区,产品质量,general,phone,c9\n",
        encoding="utf-8",
    )
    with audit.acting_as("quality@example.com"):
        result = import_files(company, [csv])[0]
    assert result.outcome == "ok"
    conn = store.open_snapshot(company)
    try:
        rows = conn.execute("select who, action, outcome, rows from audit_log").fetchall()
    finally:
        conn.close()
    assert rows == [("quality@example.com", "import", "ok", 1)]


def test_meeting_freeze_and_note_changes_are_audited(company: Path) -> None:
    from queries.reports import agenda, meeting

    pack = meeting.prepare(company, "2026-03", AS_OF, scope=["WEST"], who="quality@example.com")
    assert pack["kpis"]["received"] == 4
    assert meeting.list_meetings(company)[0]["scope_ids"] == ["WEST"]
    assert agenda.footer(pack, "en").startswith(
        "Scope: West (with sub-departments) · Data as of 2026-03-31 23:00"
    )
    assert agenda.footer(pack, "zh").startswith("范围：华西区（含下级部门） · ")
    slide = agenda.SLIDE_IDS[0]
    meeting.set_note(company, pack["meeting_id"], slide, "跟进华西区", who="quality@example.com")
    trail = audit.read(company)
    got = [
        (r.who, r.action, r.scope if isinstance(r.scope, str) else None) for r in trail.itertuples()
    ]
    assert sorted(got) == [
        ("quality@example.com", "meeting_freeze", "Scope: West (with sub-departments)"),
        ("quality@example.com", "note_change", None),
    ]
    note = json.loads(trail.loc[trail["action"] == "note_change", "detail"].iloc[0])
    assert (note["slide"], note["before"], note["after"]) == (slide, "", "跟进华西区")


def test_cli_handout_export_is_audited(company: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "handout.xlsx"
    argv = ["--db", str(company), "report", "--month", "2026-03", "--format", "xlsx"]
    assert main([*argv, "-o", str(out)]) == 0
    assert out.exists()
    trail = audit.read(company)
    row = trail[trail["action"] == "export"].iloc[0]
    assert (row["who"], row["scope"]) == (audit.os_user(), "Scope: whole company")
    assert json.loads(row["detail"])["file"] == str(out)
