"""Department scores (docs/definitions.md#scoring): given hand-written complaints, expect
exact points."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from queries import cli, store
from queries.config.rules import load_rules
from queries.marts import scoring

# Monday 2025-10-13: a normal working week (the National Day holidays end on 8 October).
MON = dt.datetime(2025, 10, 13, 10, 0)
AS_OF = dt.datetime(2025, 10, 31, 23, 0)
DEPARTMENTS = [
    {"department_id": "D1", "name_zh": "客服中心", "name_en": "Call centre"},
    {"department_id": "D2", "name_zh": "售后部", "name_en": "After-sales"},
]

SCORING_TOML = """
[version.scoring]
base = 100

[[version.scoring.item]]
id = "valid_complaints"
kind = "per_event"
points = {{ general = {general}, urgent = 2, major = 5 }}
cap = 30

[[version.scoring.item]]
id = "response_timeliness"
kind = "rate_gap"
metric = "response_sla_rate"
target = 0.95
direction = "below"
points_per_pp = 0.5
cap = 10

[[version.scoring.item]]
id = "resolution_timeliness"
kind = "rate_gap"
metric = "on_time_resolution_rate"
target = 0.90
direction = "below"
points_per_pp = 1
cap = 20

[[version.scoring.item]]
id = "repeat_complaints"
kind = "rate_gap"
metric = "repeat_rate"
target = 0.05
direction = "above"
points_per_pp = 1
cap = 15

[[version.scoring.item]]
id = "satisfaction"
kind = "rate_gap"
metric = "csat_rate"
target = 0.85
direction = "below"
points_per_pp = 0.5
cap = 10

[[version.scoring.item]]
id = "concealed_major"
kind = "per_event"
points = 10
"""


def write_rules(path: Path, versions: list[tuple[str, str, int]]) -> Path:
    """A rule file with one version per (id, effective_from, points of a valid general)."""
    text = ""
    for version_id, effective_from, general in versions:
        text += f'[[version]]\nid = "{version_id}"\neffective_from = {effective_from}\n'
        text += SCORING_TOML.format(general=general)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def rules(tmp_path: Path):
    """The default scoring table (docs/definitions.md#scoring), from the test's own rule file."""
    return load_rules(write_rules(tmp_path / "rules.toml", [("2024-01", "2024-01-01", 1)]))


def complaint(cid: str, received: dt.datetime = MON, dept: str = "客服中心", **kw) -> dict:
    """A complaint that costs nothing by default: general, phone, answered after 30 min,
    resolved after 2 h, not valid, its own customer, never surveyed."""
    row = {
        "complaint_id": cid,
        "received_at": received,
        "department": dept,
        "category": "服务态度",
        "channel": "phone",
        "severity": "general",
        "customer_id": f"K-{cid}",
        "first_response_at": received + dt.timedelta(minutes=30),
        "resolved_at": received + dt.timedelta(hours=2),
        "is_valid": False,
        "is_malicious": False,
    }
    row.update(kw)
    return row


def scores_of(path: Path, month: str = "2025-10", as_of=AS_OF, rules=None):
    with store.open_snapshot(path) as conn:
        frame = scoring.department_scores(conn, month, as_of, rules)
    return {r["department"]: r for r in frame.to_dict(orient="records")}


def test_valid_complaints_cost_points_by_grade_and_malicious_ones_are_left_out(make_db, rules):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint("C1", is_valid=True),
            complaint("C2", is_valid=True),
            complaint("C3", is_valid=True, severity="urgent"),
            complaint("C4", is_valid=True, severity="major"),
            complaint("C5", is_valid=True, severity="major", is_malicious=True),
        ],
    )
    row = scores_of(path, rules=rules)["客服中心"]
    assert row["ded_valid_complaints"] == 9.0  # 1 + 1 + 2 + 5; the malicious major costs 0
    assert row["score"] == 91.0
    assert row["n_complaints"] == 4
    assert row["deductions"] == {
        "valid_complaints": 9.0,
        "response_timeliness": 0.0,
        "resolution_timeliness": 0.0,
        "repeat_complaints": 0.0,
        "satisfaction": 0.0,
        "concealed_major": 0.0,
    }


def test_valid_complaints_are_capped_at_30(make_db, rules):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[complaint(f"C{i}", is_valid=True, severity="major") for i in range(7)],
    )
    row = scores_of(path, rules=rules)["客服中心"]
    assert row["ded_valid_complaints"] == 30.0  # 7 x 5 = 35, capped
    assert row["score"] == 70.0
    with store.open_snapshot(path) as conn:
        items = scoring.score_items(conn, "2025-10", "D1", AS_OF, rules).set_index("item")
    assert items.loc["valid_complaints", "raw_points"] == 35.0
    assert items.loc["valid_complaints", "n_complaints"] == 7


def test_concealed_major_costs_10_each_without_cap(make_db, rules):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[
            *[complaint(f"C{i}", severity="major", concealed=True) for i in range(4)],
            complaint("G1", concealed=True),  # concealed but general: not this item
        ],
    )
    row = scores_of(path, rules=rules)["客服中心"]
    assert row["ded_concealed_major"] == 40.0
    assert row["score"] == 60.0
    with store.open_snapshot(path) as conn:
        behind = scoring.score_complaints(
            conn, "2025-10", "客服中心", "concealed_major", AS_OF, rules
        )
    assert sorted(behind["complaint_id"]) == ["C0", "C1", "C2", "C3"]
    assert list(behind["points"]) == [10.0] * 4


def test_on_time_resolution_82_5_percent_deducts_exactly_7_5(make_db, rules):
    # 40 general complaints received Monday 13 October; deadline: end of Thursday 16th.
    rows = []
    for i in range(40):
        received = MON + dt.timedelta(minutes=i)
        late = i < 7  # 7 of 40 late: 33 / 40 = 82.5 % on time
        resolved = dt.datetime(2025, 10, 20, 10, 0) if late else received + dt.timedelta(hours=2)
        rows.append(complaint(f"C{i:02d}", received, resolved_at=resolved))
    path = make_db(departments=DEPARTMENTS, complaints=rows)
    row = scores_of(path, rules=rules)["客服中心"]
    assert row["ded_resolution_timeliness"] == 7.5
    assert row["score"] == 92.5
    with store.open_snapshot(path) as conn:
        items = scoring.score_items(conn, "2025-10", "客服中心", AS_OF, rules).set_index("item")
        late = scoring.score_complaints(
            conn, "2025-10", "客服中心", "resolution_timeliness", AS_OF, rules
        )
    assert items.loc["resolution_timeliness", "measured"] == pytest.approx(0.825)
    assert items.loc["resolution_timeliness", "n_complaints"] == 40
    assert sorted(late["complaint_id"]) == [f"C{i:02d}" for i in range(7)]
    assert "customer_name" not in late.columns


def test_each_rate_gap_item_deducts_per_percentage_point(make_db, rules):
    # 10 complaints: one answered after 30 h (limit 24 h): 90 % within limit, 5 pp x 0.5;
    # one links to another: 10 % repeats, 5 pp above 5 % x 1; 4 surveyed, 3 satisfied:
    # 75 %, 10 pp below 85 % x 0.5.
    rows = [complaint(f"C{i}", MON + dt.timedelta(minutes=i)) for i in range(10)]
    rows[0]["first_response_at"] = MON + dt.timedelta(hours=30)
    rows[0]["resolved_at"] = MON + dt.timedelta(hours=31)
    rows[9]["parent_complaint_id"] = "C8"
    for i, score in zip((1, 2, 3, 4), (5, 4, 4, 2), strict=True):
        rows[i]["satisfaction"] = score
        rows[i]["surveyed_at"] = MON + dt.timedelta(days=1)
    path = make_db(departments=DEPARTMENTS, complaints=rows)
    row = scores_of(path, rules=rules)["客服中心"]
    assert row["ded_response_timeliness"] == 2.5
    assert row["ded_repeat_complaints"] == 5.0
    assert row["ded_satisfaction"] == 5.0
    assert row["ded_resolution_timeliness"] == 0.0
    assert row["score"] == 87.5
    with store.open_snapshot(path) as conn:
        late = scoring.score_complaints(conn, "2025-10", "D1", "response_timeliness", AS_OF, rules)
        repeats = scoring.score_complaints(conn, "2025-10", "D1", "repeat_complaints", AS_OF, rules)
        unhappy = scoring.score_complaints(conn, "2025-10", "D1", "satisfaction", AS_OF, rules)
    assert list(late["complaint_id"]) == ["C0"]
    assert list(repeats["complaint_id"]) == ["C9"]
    assert list(unhappy["complaint_id"]) == ["C4"]


def test_rate_gap_items_deduct_nothing_when_the_rate_is_null(make_db, rules):
    # As-of one hour after receipt: nothing answered, resolved, due or surveyed yet.
    rows = [
        complaint("C1", first_response_at=None, resolved_at=None),
        complaint("C2", first_response_at=None, resolved_at=None),
    ]
    path = make_db(departments=DEPARTMENTS, complaints=rows)
    row = scores_of(path, as_of=MON + dt.timedelta(hours=1), rules=rules)["客服中心"]
    assert row["n_complaints"] == 2
    assert row["score"] == 100.0
    assert set(row["deductions"].values()) == {0.0}
    with store.open_snapshot(path) as conn:
        items = scoring.score_items(conn, "2025-10", "D1", MON + dt.timedelta(hours=1), rules)
    measured = items.set_index("item")["measured"]
    assert measured[["response_timeliness", "resolution_timeliness", "satisfaction"]].isna().all()


def test_score_never_goes_below_zero(make_db, rules):
    rows = [complaint(f"C{i}", is_valid=True, severity="major", concealed=True) for i in range(8)]
    path = make_db(departments=DEPARTMENTS, complaints=rows)
    row = scores_of(path, rules=rules)["客服中心"]
    assert row["ded_valid_complaints"] == 30.0
    assert row["ded_concealed_major"] == 80.0
    assert row["score"] == 0.0


def test_department_without_complaints_keeps_the_base_and_unknown_names_are_scored(make_db, rules):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint("C1", is_valid=True),
            complaint("C2", dept="外包组", is_valid=True, severity="urgent"),
        ],
    )
    scores = scores_of(path, rules=rules)
    assert set(scores) == {"客服中心", "售后部", "外包组"}
    assert scores["售后部"]["score"] == 100.0
    assert scores["售后部"]["n_complaints"] == 0
    assert scores["外包组"]["score"] == 98.0
    assert scores["外包组"]["department_id"] == "外包组"


def test_ties_share_a_rank(make_db, rules):
    departments = [
        {"department_id": f"D{i}", "name_zh": name}
        for i, name in enumerate(("甲部", "乙部", "丙部", "丁部"), start=1)
    ]
    path = make_db(
        departments=departments,
        complaints=[
            complaint("B1", dept="乙部", is_valid=True, severity="major"),
            complaint("C1", dept="丙部", is_valid=True, severity="major"),
            complaint("D1", dept="丁部", is_valid=True, severity="major"),
            complaint("D2", dept="丁部", is_valid=True, severity="major"),
        ],
    )
    with store.open_snapshot(path) as conn:
        frame = scoring.department_scores(conn, "2025-10", AS_OF, rules)
    assert list(zip(frame["department"], frame["score"], frame["rank"], strict=True)) == [
        ("甲部", 100.0, 1),
        ("丙部", 95.0, 2),
        ("乙部", 95.0, 2),
        ("丁部", 90.0, 4),
    ]


def test_parent_department_is_scored_on_its_own_complaints(make_db, rules):
    departments = [
        {"department_id": "D1", "name_zh": "客服中心"},
        {"department_id": "D2", "name_zh": "售后部", "parent_id": "D1"},
    ]
    path = make_db(
        departments=departments,
        complaints=[complaint("C1", dept="售后部", is_valid=True, severity="major")],
    )
    scores = scores_of(path, rules=rules)
    assert scores["售后部"]["score"] == 95.0
    assert scores["客服中心"]["score"] == 100.0


def test_a_month_is_scored_by_the_rule_version_in_force_on_its_first_day(make_db, tmp_path):
    rules = load_rules(
        write_rules(tmp_path / "two.toml", [("v1", "2024-01-01", 1), ("v2", "2025-11-01", 3)])
    )
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint("OCT", is_valid=True),
            complaint("NOV", dt.datetime(2025, 11, 3, 10, 0), is_valid=True),
        ],
    )
    as_of = dt.datetime(2025, 11, 30, 23, 0)
    october = scores_of(path, "2025-10", as_of, rules)["客服中心"]
    november = scores_of(path, "2025-11", as_of, rules)["客服中心"]
    assert (october["rules_version"], october["ded_valid_complaints"]) == ("v1", 1.0)
    assert october["rules_effective_from"] == dt.date(2024, 1, 1)
    assert october["rules_effective_to"] == dt.date(2025, 11, 1)
    assert (november["rules_version"], november["ded_valid_complaints"]) == ("v2", 3.0)
    assert november["rules_effective_from"] == dt.date(2025, 11, 1)
    assert november["rules_effective_to"] is None


def test_quarter_score_is_the_mean_of_the_monthly_scores(make_db, rules):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[
            *[complaint(f"O{i}", is_valid=True, severity="major") for i in range(2)],  # Oct 90
            complaint("D1", dt.datetime(2025, 12, 1, 10, 0), is_valid=True),  # Dec 99
        ],
    )
    with store.open_snapshot(path) as conn:
        quarter = scoring.score_rollup(conn, 2025, 4, dt.datetime(2025, 12, 31, 23, 0), rules)
        year = scoring.score_rollup(conn, 2025, None, dt.datetime(2025, 12, 31, 23, 0), rules)
    q = quarter.set_index("department")
    assert q.loc["客服中心", "score"] == pytest.approx((90 + 100 + 99) / 3, abs=0.005)
    assert q.loc["客服中心", "score"] == 96.33
    assert q.loc["客服中心", "n_months"] == 3
    assert q.loc["售后部", "score"] == 100.0
    assert list(quarter["rank"]) == [1, 2]
    y = year.set_index("department")
    assert y.loc["客服中心", "n_months"] == 12
    assert y.loc["客服中心", "score"] == round((100 * 10 + 90 + 99) / 12, 2)


def test_rounding_keeps_decimal_points_exact():
    assert scoring.round_points(7.500000000000007) == 7.5
    assert scoring.round_points(2.345) == 2.35
    assert scoring.round_points(0.125) == 0.13


def test_cli_scores_json_equals_the_hand_calculation(make_db, capsys):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint("C1", is_valid=True, severity="urgent"),
            complaint("C2", dept="售后部", is_valid=True, severity="major", concealed=True),
        ],
    )
    code = cli.main(
        [
            "--db",
            str(path),
            "scores",
            "--month",
            "2025-10",
            "--as-of",
            "2025-10-31",
            "--format",
            "json",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    by_name = {d["department"]: d for d in doc}
    assert by_name["客服中心"]["score"] == 98.0
    assert by_name["客服中心"]["rank"] == 1
    assert by_name["售后部"]["score"] == 85.0  # 5 (valid major) + 10 (concealed major)
    assert by_name["售后部"]["rank"] == 2
    assert by_name["售后部"]["deductions"]["concealed_major"] == 10.0
    assert by_name["售后部"]["department_id"] == "D2"
    assert by_name["售后部"]["rules_version"] == load_rules().version_for(dt.date(2025, 10, 1)).id
    assert {
        "department",
        "score",
        "rank",
        "deductions",
        "rules_version",
        "rules_effective_from",
        "rules_effective_to",
    } <= set(by_name["售后部"])


def test_optional_volume_item_counts_its_gap_per_10k_units(make_db, tmp_path):
    path_rules = write_rules(tmp_path / "volume.toml", [("2024-01", "2024-01-01", 1)])
    path_rules.write_text(
        path_rules.read_text(encoding="utf-8")
        + '\n[[version.scoring.item]]\nid = "complaint_volume"\nkind = "rate_gap"\n'
        'metric = "complaint_rate_per_10k"\ntarget = 5\ndirection = "above"\n'
        "points_per_pp = 1\ncap = 10\n",
        encoding="utf-8",
    )
    rules = load_rules(path_rules)
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[complaint(f"C{i}", MON + dt.timedelta(minutes=i)) for i in range(8)],
        volumes=[{"department": "客服中心", "month": dt.date(2025, 10, 1), "volume": 10000}],
    )
    row = scores_of(path, rules=rules)["客服中心"]
    assert row["ded_complaint_volume"] == 3.0  # 8 per 10,000 against 5: 3 x 1 point
    assert row["score"] == 97.0


def test_score_history_stacks_the_months(make_db, rules):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[complaint("N1", dt.datetime(2025, 11, 3, 10, 0), is_valid=True)],
    )
    with store.open_snapshot(path) as conn:
        history = scoring.score_history(
            conn, ["2025-10", "2025-11"], dt.datetime(2025, 11, 30, 23, 0), rules
        )
    assert list(history.columns[:3]) == ["month", "department_id", "department"]
    scores = {(r["month"], r["department_id"]): r["score"] for r in history.to_dict("records")}
    assert scores == {
        ("2025-10", "D1"): 100.0,
        ("2025-10", "D2"): 100.0,
        ("2025-11", "D1"): 99.0,
        ("2025-11", "D2"): 100.0,
    }


def test_cli_quarter_and_csv_forms(make_db, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "COMPLAINTS_RULES",
        str(write_rules(tmp_path / "cli.toml", [("2024-01", "2024-01-01", 1)])),
    )
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[complaint("O1", is_valid=True, severity="major")],  # October: 95
    )
    argv = ["--db", str(path), "scores", "--as-of", "2025-12-31 23:00"]
    assert cli.main([*argv, "--quarter", "2025-Q4", "--format", "json"]) == 0
    doc = {d["department"]: d for d in json.loads(capsys.readouterr().out)}
    assert doc["客服中心"]["score"] == round((95 + 100 + 100) / 3, 2)
    assert doc["客服中心"]["months"] == ["2025-10", "2025-11", "2025-12"]
    assert doc["售后部"]["rank"] == 1
    assert cli.main([*argv, "--month", "2025-10", "--format", "csv"]) == 0
    header, *lines = capsys.readouterr().out.strip().splitlines()
    assert "deductions" not in header.split(",")
    assert "ded_valid_complaints" in header.split(",")
    assert len(lines) == 2
    assert cli.main([*argv, "--quarter", "2025-Q5"]) == 1
