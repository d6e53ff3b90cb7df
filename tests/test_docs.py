"""docs/definitions.md is complete: every metric, CLI command (with its options), rule key and
page has its entry, in the format the file's header describes."""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

from dashboard.ui.navigation import PAGES
from queries.cli import build_parser
from queries.config.rules import RULE_KEYS, RULES_FILE
from queries.marts.accountability import METRIC_COLUMNS as ACCOUNTABILITY_METRICS
from queries.metrics import METRICS

DEFINITIONS = Path(__file__).resolve().parents[1] / "docs" / "definitions.md"

_HEADING = re.compile(r"^(#{2,4})\s+(.+?)\s*$")
_RULE_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|")


def _sections(text: str) -> dict[str, str]:
    """Heading text → the text up to the next heading of the same or a higher level."""
    lines = text.splitlines()
    found: list[tuple[int, int, str]] = []
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m:
            found.append((i, len(m.group(1)), m.group(2).strip("` ")))
    sections: dict[str, str] = {}
    for n, (i, level, title) in enumerate(found):
        end = next((j for j, lvl, _ in found[n + 1 :] if lvl <= level), len(lines))
        sections[title] = "\n".join(lines[i + 1 : end])
    return sections


def _commands() -> dict[str, list[str]]:
    """Sub-command name → its long options (``--from`` ...), from the real parser."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands: dict[str, list[str]] = {}
    for name, sub_parser in sub.choices.items():
        options = [
            opt
            for action in sub_parser._actions
            if not isinstance(action, argparse._HelpAction)
            for opt in action.option_strings
            if opt.startswith("--")
        ]
        commands[name] = options
    return commands


def missing_entries(text: str) -> list[str]:
    """What ``text`` (a definitions.md) lacks, one line per missing entry."""
    sections = _sections(text)
    rule_rows = {m.group(1) for line in text.splitlines() if (m := _RULE_ROW.match(line))}
    missing: list[str] = []
    for metric in (*METRICS, *ACCOUNTABILITY_METRICS):
        if metric not in sections:
            missing.append(f"metric {metric}: no heading '### {metric}'")
    for command, options in _commands().items():
        body = sections.get(f"complaints {command}")
        if body is None:
            missing.append(f"CLI command {command}: no heading '### complaints {command}'")
            continue
        for option in options:
            if not re.search(rf"`{re.escape(option)}[` ]", body):
                missing.append(
                    f"CLI command {command}: option {option} not in its section "
                    f"(write it as `{option}` or `{option} VALUE`)"
                )
    for key in RULE_KEYS:
        if key not in rule_rows:
            missing.append(f"rule key {key}: no table row starting '| `{key}` |'")
    for stem, _title, _section in PAGES:
        if f"Page: {stem}" not in sections:
            missing.append(f"page {stem}: no heading '### Page: {stem}'")
    return missing


def test_every_metric_command_rule_key_and_page_has_an_entry() -> None:
    missing = missing_entries(DEFINITIONS.read_text(encoding="utf-8"))
    assert not missing, "docs/definitions.md lacks:\n" + "\n".join(missing)


def test_a_removed_entry_is_reported_by_name() -> None:
    text = DEFINITIONS.read_text(encoding="utf-8")
    assert "### csat_rate\n" in text and "| `version.group.window_hours` |" in text
    broken = text.replace("### csat_rate\n", "### csat\n")
    broken = broken.replace("| `version.group.window_hours` |", "| group window |")
    broken = broken.replace("### Page: meeting\n", "### Meeting\n")
    broken = broken.replace("- `--dayfirst` / `--monthfirst`", "- day first / month first")
    assert missing_entries(broken) == [
        "metric csat_rate: no heading '### csat_rate'",
        "CLI command import: option --dayfirst not in its section "
        "(write it as `--dayfirst` or `--dayfirst VALUE`)",
        "CLI command import: option --monthfirst not in its section "
        "(write it as `--monthfirst` or `--monthfirst VALUE`)",
        "rule key version.group.window_hours: no table row starting "
        "'| `version.group.window_hours` |'",
        "page meeting: no heading '### Page: meeting'",
    ]


def test_a_new_command_without_an_entry_is_reported(monkeypatch) -> None:
    text = DEFINITIONS.read_text(encoding="utf-8")
    commands = _commands()
    monkeypatch.setattr(
        sys.modules[__name__], "_commands", lambda: {**commands, "backup": ["--to-dir"]}
    )
    assert missing_entries(text) == ["CLI command backup: no heading '### complaints backup'"]


def test_the_shipped_rule_file_uses_only_documented_keys() -> None:
    """Every key path of rules.toml is one of RULE_KEYS (so documented above)."""

    def paths(value: object, prefix: str) -> list[str]:
        if isinstance(value, dict):
            return [p for k, v in value.items() for p in paths(v, f"{prefix}.{k}" if prefix else k)]
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return [p for v in value for p in paths(v, prefix)]
        return [prefix]

    doc = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))

    def pattern(key: str) -> re.Pattern[str]:
        parts = ("[^.]+" if p.startswith("<") else re.escape(p) for p in key.split("."))
        return re.compile(r"\.".join(parts) + "$")

    patterns = [pattern(key) for key in RULE_KEYS]
    found = sorted(set(paths(doc, "")))
    assert "version.targets.csat_rate.amber" in found
    assert [p for p in found if not any(rx.match(p) for rx in patterns)] == []


def _anchors(text: str) -> set[str]:
    """The anchors of a markdown text: explicit ``<a id>`` ones and GitHub heading slugs."""
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m:
            title = m.group(2).lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def test_every_pointer_into_definitions_md_lands_on_an_anchor() -> None:
    """Comments, docstrings, help texts and READMEs cite docs/definitions.md#<anchor>."""
    root = DEFINITIONS.parents[1]
    anchors = _anchors(DEFINITIONS.read_text(encoding="utf-8"))
    cited: dict[str, list[str]] = {}
    for folder in ("queries", "dashboard", "tests", "data"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".py", ".sql", ".toml", ".md") or not path.is_file():
                continue
            for anchor in re.findall(r"definitions\.md#([\w\-]+)", path.read_text("utf-8")):
                cited.setdefault(anchor, []).append(str(path.relative_to(root)))
    for anchor in re.findall(r"definitions\.md#([\w\-]+)", (root / "README.md").read_text("utf-8")):
        cited.setdefault(anchor, []).append("README.md")
    assert "metrics" in cited and "scoring" in cited
    broken = {a: files for a, files in sorted(cited.items()) if a not in anchors}
    assert broken == {}, f"pointers to missing anchors of docs/definitions.md: {broken}"
