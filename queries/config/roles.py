"""Who sees what: the roles file (``$COMPLAINTS_ROLES``, else ``roles.toml`` beside the
database), mapping signed-in users and identity-provider groups to a role and a department
scope.

File format (TOML)::

    [settings]
    contact = "质量管理部 王芳 wang.fang@example.com"   # shown to users without a role
    groups_claim = "groups"                             # ID-token claim with the groups

    [users."li.na@example.com"]            # by e-mail, preferred_username or sub
    role = "department_head"
    departments = ["D-SALES-E"]            # department ids or names; subtrees included

    [groups."/complaints/executives"]      # a group from the provider
    role = "executive"
    departments = "all"

A user entry wins over groups; among groups the first matching one in the file wins.
Roles: ``executive``, ``quality``, ``department_head``, ``privacy_officer``, ``admin``.
``departments = "all"`` (the whole company, with company totals) is allowed for every role
but ``department_head``, who always has a list of department subtrees. The file is re-read
when it changes (``load_roles`` checks its modification time); an invalid file raises
``RolesError`` naming the file, the line and the reason.
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queries.paths import resolve_db_path

ROLES_ENV_VAR = "COMPLAINTS_ROLES"
#: Set by ``complaints serve --insecure-no-auth`` for the app (local mode off-loopback).
INSECURE_ENV_VAR = "COMPLAINTS_INSECURE_NO_AUTH"
ROLES_FILE_NAME = "roles.toml"
ROLE_NAMES = ("executive", "quality", "department_head", "privacy_officer", "admin")
#: Roles that may write from the app (imports, meeting notes, actions).
WRITE_ROLES = frozenset({"quality", "admin"})
#: Roles that see complainants' names and phones unmasked (each such view is audited).
PERSONAL_DATA_ROLES = frozenset({"privacy_officer"})
#: Roles that see the Audit page.
AUDIT_ROLES = frozenset({"admin"})
_TOML_LINE = re.compile(r"\(at line (\d+)")


class RolesError(ValueError):
    """The roles file is unreadable or invalid (the message names file, line and reason)."""


@dataclass(frozen=True)
class Grant:
    """One entry of the roles file: a role and its department scope.

    ``departments`` is None for the whole company, else the department ids or names whose
    subtrees the holder sees.
    """

    role: str
    departments: tuple[str, ...] | None
    source: str  # "users.<name>" or "groups.<name>"


@dataclass(frozen=True)
class Roles:
    """The parsed roles file."""

    users: dict[str, Grant]
    groups: dict[str, Grant]
    contact: str
    groups_claim: str
    path: str

    def grant_for(self, identities: list[str], groups: list[str]) -> Grant | None:
        """The grant of a user known by any of ``identities`` (e-mail, username, subject)
        or, failing that, of the first group in file order the user belongs to; None for
        an unknown user."""
        for ident in identities:
            if ident and ident in self.users:
                return self.users[ident]
        member = set(groups)
        for name, grant in self.groups.items():
            if name in member:
                return grant
        return None


def roles_path(db_path: Path | None = None) -> Path:
    """The roles file: ``$COMPLAINTS_ROLES``, else ``roles.toml`` beside the database."""
    env = os.environ.get(ROLES_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(db_path or resolve_db_path()).parent / ROLES_FILE_NAME


def _line_of(text: str, *needles: str) -> int:
    """The 1-based line of the first line containing every needle (0 when none does)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if all(n in line for n in needles):
            return number
    return 0


def _grant(kind: str, name: str, entry: Any, text: str, where: str) -> Grant:
    header = _line_of(text, f"[{kind}.", name) or _line_of(text, name)
    if not isinstance(entry, dict):
        raise RolesError(f"{where}:{header}: [{kind}.{name!r}] must be a table")
    unknown = sorted(set(entry) - {"role", "departments"})
    if unknown:
        line = _line_of(text, unknown[0]) or header
        raise RolesError(f"{where}:{line}: [{kind}.{name!r}] unknown key {unknown[0]!r}")
    role = entry.get("role")
    if role not in ROLE_NAMES:
        line = _line_of(text, "role", str(role)) if role else header
        raise RolesError(
            f"{where}:{line or header}: [{kind}.{name!r}] role {role!r} is not one of "
            f"{', '.join(ROLE_NAMES)}"
        )
    depts = entry.get("departments")
    dline = _line_of(text, "departments") or header
    if depts == "all":
        if role == "department_head":
            raise RolesError(
                f"{where}:{header}: [{kind}.{name!r}] a department_head needs a list of "
                'departments, not "all"'
            )
        scope: tuple[str, ...] | None = None
    elif isinstance(depts, list) and depts and all(isinstance(d, str) and d for d in depts):
        scope = tuple(depts)
    else:
        raise RolesError(
            f'{where}:{dline}: [{kind}.{name!r}] departments must be "all" or a non-empty '
            f"list of department ids/names, got {depts!r}"
        )
    return Grant(role=role, departments=scope, source=f"{kind}.{name}")


def parse_roles(text: str, source: str = "roles.toml") -> Roles:
    """Parse and validate the roles file's text.

    Raises:
        RolesError: invalid TOML or an invalid entry (``file:line: reason``).
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        raise RolesError(f"{source}:{m.group(1) if m else 0}: invalid TOML: {exc}") from exc
    unknown = sorted(set(doc) - {"settings", "users", "groups"})
    if unknown:
        raise RolesError(
            f"{source}:{_line_of(text, unknown[0])}: unknown section {unknown[0]!r} "
            "(use settings, users, groups)"
        )
    settings = doc.get("settings", {})
    users = {
        str(k): _grant("users", str(k), v, text, source) for k, v in doc.get("users", {}).items()
    }
    groups = {
        str(k): _grant("groups", str(k), v, text, source) for k, v in doc.get("groups", {}).items()
    }
    return Roles(
        users=users,
        groups=groups,
        contact=str(settings.get("contact", "")),
        groups_claim=str(settings.get("groups_claim", "groups")),
        path=source,
    )


_cache: dict[str, tuple[tuple[int, int], Roles]] = {}
_cache_lock = threading.Lock()


def load_roles(path: Path | None = None) -> Roles:
    """Load the roles file, re-reading it when its modification time or size changed.

    Raises:
        RolesError: the file is missing or invalid.
    """
    path = Path(path) if path is not None else roles_path()
    try:
        stat = path.stat()
    except OSError as exc:
        raise RolesError(f"{path}:0: cannot read the roles file: {exc.strerror}") from exc
    key = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        hit = _cache.get(str(path))
        if hit and hit[0] == key:
            return hit[1]
    roles = parse_roles(path.read_text(encoding="utf-8"), source=str(path))
    with _cache_lock:
        _cache[str(path)] = (key, roles)
    return roles


def may_write(role: str) -> bool:
    """Whether a signed-in role may write from the app."""
    return role in WRITE_ROLES


def may_see_personal_data(role: str) -> bool:
    """Whether a role sees personal data unmasked."""
    return role in PERSONAL_DATA_ROLES


def is_loopback(address: str | None) -> bool:
    """Whether a server listen address only accepts connections from this machine
    (``localhost``, 127.0.0.0/8, ::1); an empty address means every interface."""
    text = (address or "").strip().strip("[]")
    if text == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False
