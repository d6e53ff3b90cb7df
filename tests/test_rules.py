"""Rule configuration: parsing, versions by effective date, targets, scoring items."""

from __future__ import annotations

import datetime as dt

import pytest

from queries.config import rules

TWO_VERSIONS = """
[[version]]
id = "v1"
effective_from = 2024-01-01
[version.resolution_working_days]
grade = { general = 3, urgent = 1, major = 5 }
multi_department = 7

[[version]]
id = "v2"
effective_from = 2025-11-01
[version.response_limit_hours]
grade = { general = 48, urgent = 2, major = 2 }
channel = {}
[version.resolution_working_days]
grade = { general = 5, urgent = 2, major = 10 }
multi_department = 8
[version.targets.csat_rate]
target = 0.9
amber = 0.8
departments = { "客服中心" = 0.95 }
"""


def test_default_file_has_the_documented_defaults():
    v = rules.load_rules().version_for(dt.date(2025, 10, 1))
    assert v.response_limit_grade == {"general": 24, "urgent": 1, "major": 1}
    assert v.response_limit_channel == {"social": 12}
    assert v.resolution_days_grade == {"general": 3, "urgent": 1, "major": 5}
    assert v.multi_department_days == 7
    assert v.repeat_window_hours == 720
    assert (v.group_min_customers, v.group_window_hours) == (5, 24)
    assert v.accountability == rules.Accountability(15, 30, 30, 0.5, 2, 15, 90)
    assert v.scoring_base == 100
    assert [i.id for i in v.scoring_items] == [
        "valid_complaints",
        "response_timeliness",
        "resolution_timeliness",
        "repeat_complaints",
        "satisfaction",
        "concealed_major",
    ]
    valid = v.scoring_item("valid_complaints")
    assert (valid.kind, valid.cap, valid.points_for("major")) == ("per_event", 30, 5)
    concealed = v.scoring_item("concealed_major")
    assert (concealed.cap, concealed.points_for("major")) == (None, 10)
    timeliness = v.scoring_item("resolution_timeliness")
    assert (timeliness.metric, timeliness.target, timeliness.direction) == (
        "on_time_resolution_rate",
        0.90,
        "below",
    )


def test_rate_gap_deduction_follows_the_documented_example_and_cap():
    item = rules.load_rules().versions[0].scoring_item("resolution_timeliness")
    assert item.rate_gap_deduction(0.825) == 7.5  # 82.5 % against 90 %: 7.5 points
    assert item.rate_gap_deduction(0.95) == 0
    assert item.rate_gap_deduction(None) == 0
    assert item.rate_gap_deduction(0.5) == 20  # capped
    repeat = rules.load_rules().versions[0].scoring_item("repeat_complaints")
    assert repeat.rate_gap_deduction(0.08) == 3  # above 5 % by 3 points


def test_month_judged_by_version_in_force_on_its_first_day(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(TWO_VERSIONS, encoding="utf-8")
    rs = rules.load_rules(path)
    assert rs.version_for(dt.date(2025, 10, 31)).id == "v1"
    assert rs.version_for(dt.date(2025, 11, 1)).id == "v2"
    assert rs.version_for(dt.datetime(2025, 10, 31, 23, 59, 59)).id == "v1"
    assert rs.version_for(dt.date(2023, 1, 1)).id == "v1"  # before all: the earliest
    assert rs.versions[0].effective_to == dt.date(2025, 11, 1)
    assert rs.versions[1].effective_to is None
    v2 = rs.version_by_id("v2")
    assert v2.response_limit_hours("general", "social") == 48  # no channel limit in v2
    assert v2.resolution_days("general", True) == 8
    assert v2.resolution_days("major", True) == 10  # the grade's when larger


def test_fingerprint_changes_with_content(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(TWO_VERSIONS, encoding="utf-8")
    first = rules.load_rules(path).fingerprint()
    path.write_text(TWO_VERSIONS.replace("general = 48", "general = 36"), encoding="utf-8")
    assert rules.load_rules(path).fingerprint() != first
    assert len(first) == 16


def test_env_var_selects_the_rule_file(tmp_path, monkeypatch):
    path = tmp_path / "rules.toml"
    path.write_text(TWO_VERSIONS, encoding="utf-8")
    monkeypatch.setenv(rules.RULES_ENV_VAR, str(path))
    assert [v.id for v in rules.load_rules().versions] == ["v1", "v2"]


def test_target_status_bands_and_department_override(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(TWO_VERSIONS, encoding="utf-8")
    target = rules.load_rules(path).version_for(dt.date(2025, 12, 1)).target("csat_rate")
    assert [target.status(x) for x in (0.9, 0.85, 0.79, None)] == ["green", "amber", "red", None]
    assert target.for_department("客服中心") == (0.95, pytest.approx(0.85))
    assert target.status(0.9, "客服中心") == "amber"
    lower = rules.Target("repeat_rate", 0.05, 0.08, "lower")
    assert [lower.status(x) for x in (0.05, 0.07, 0.09)] == ["green", "amber", "red"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no [[version]]"),
        ("[[version]]\nid='a'\n", "effective_from"),
        (
            "[[version]]\nid='a'\neffective_from=2024-01-01\n[version.repeat]\nwindow_hours='x'\n",
            "number",
        ),
        (
            "[[version]]\nid='a'\neffective_from=2024-01-01\n"
            "[[version.scoring.item]]\nid='x'\nkind='rate_gap'\n",
            "needs metric",
        ),
        (
            "[[version]]\nid='a'\neffective_from=2024-01-01\n[[version]]\nid='a'\neffective_from=2025-01-01\n",
            "duplicate",
        ),
        ("not toml [", "not valid TOML"),
    ],
)
def test_invalid_files_are_rejected_with_a_reason(tmp_path, text, message):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(rules.RulesError, match=message.replace("[", r"\[")):
        rules.load_rules(path)


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(rules.RulesError, match="cannot read"):
        rules.load_rules(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[[version]]\nid='a'\neffective_from=2024-01-01\n[version.repeat]\nwindow_hour=48\n",
            "version[0].repeat: unknown keys ['window_hour']; known: ['window_hours']",
        ),
        (
            "[[version]]\nid='a'\neffective_from=2024-01-01\n"
            "[version.targets.csat_rate]\ntarget=0.9\nambre=0.8\n",
            "version[0].targets.csat_rate: unknown keys ['ambre']; "
            "known: ['amber', 'departments', 'direction', 'target']",
        ),
        (
            "[[version]]\nid='a'\neffective_from=2024-01-01\n"
            "[[version.scoring.item]]\nid='x'\nkind='per_event'\npoints=1\ncaps=3\n",
            "version[0].scoring.item[0]: unknown keys ['caps']",
        ),
        (
            "[[version]]\nid='a'\neffective_from=2024-01-01\nresolution_days=3\n",
            "version[0]: unknown keys ['resolution_days']",
        ),
    ],
)
def test_a_key_outside_rule_keys_is_rejected_by_name(tmp_path, text, message):
    """A misspelt key is an error naming it (it would otherwise silently keep a default)."""
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(rules.RulesError) as err:
        rules.load_rules(path)
    assert message in str(err.value)
