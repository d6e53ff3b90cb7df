"""``complaints serve``: start the dashboard."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from queries import demo, output, paths
from queries.cli import CliError
from queries.config.roles import INSECURE_ENV_VAR, is_loopback
from queries.paths import DB_ENV_VAR, resolve_db_path

# The app is found, not imported: the engine never imports the app.
_APP_SPEC = importlib.util.find_spec("dashboard")
APP_DIR = Path(_APP_SPEC.origin if _APP_SPEC and _APP_SPEC.origin else ".").resolve().parent
#: The app's Streamlit settings, shipped with the package (the checkout's
#: ``.streamlit/config.toml`` links to it); passed as flags so they apply from any folder.
CONFIG_FILE = APP_DIR / ".streamlit" / "config.toml"


def config_flags(path: Path = CONFIG_FILE, skip: tuple[str, ...] = ()) -> list[str]:
    """``--section.key value`` flags for every setting of a Streamlit config file except
    the ``section.key`` names in ``skip`` (given on the command line instead)."""
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    flags: list[str] = []
    for section, values in doc.items():
        for key, value in values.items():
            if f"{section}.{key}" in skip:
                continue
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{key}", text]
    return flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the dashboard (Streamlit) in the browser")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="localhost", help="address to listen on")
    p.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="allow a non-loopback --address without sign-in ([auth] in secrets.toml): "
        "everyone who reaches the port sees everything; a red banner says so on every page",
    )
    p.set_defaults(func=run)


def _has_auth(secrets: Path) -> bool:
    """Whether a Streamlit secrets file has an ``[auth]`` section."""
    try:
        with secrets.open("rb") as fh:
            return "auth" in tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return False


def served_db(cli_value: str | None) -> tuple[Path, bool]:
    """The database to serve and whether it is the demo's own file: ``--db`` or
    ``$COMPLAINTS_DB`` (must exist), else the working ``data/complaints.duckdb`` when it
    exists, else ``data/demo.duckdb``.

    Raises:
        CliError: (exit 4) a configured database file does not exist.
    """
    configured = cli_value or os.environ.get(DB_ENV_VAR)
    path = resolve_db_path(cli_value)
    if configured:
        if not path.exists():
            raise CliError(
                f"{path}: no such database; import into it first (complaints import --db"
                f" {path} FILE) or run `complaints serve` without --db to see the demo",
                code=4,
            )
        return path, False
    if path.exists():
        return path, False
    return paths.demo_db(), True


def run(args: argparse.Namespace) -> int:
    """Start Streamlit on the served database (see ``served_db``); a non-loopback address
    needs sign-in ([auth]) or ``--insecure-no-auth``."""
    secrets = Path.cwd() / ".streamlit" / "secrets.toml"
    if not is_loopback(args.address) and not _has_auth(secrets) and not args.insecure_no_auth:
        raise CliError(
            f"--address {args.address} is not a loopback address and {secrets} has no [auth] "
            "section: configure sign-in (README, Sign-in and roles) or pass --insecure-no-auth"
        )
    path, is_demo_file = served_db(args.db)
    if is_demo_file:
        if demo.ensure_demo(path, progress=output.info):
            output.info(f"{path}: built the demo company's database")
        output.info(
            f"no database yet: serving the demo data (示例数据) in {path}; import your own"
            " files with `complaints import FILE` (they go to data/complaints.duckdb)"
        )
    env = dict(os.environ)
    env.pop(INSECURE_ENV_VAR, None)
    if args.insecure_no_auth:
        env[INSECURE_ENV_VAR] = "1"
    env[DB_ENV_VAR] = str(path)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_DIR / "app.py"),
        *config_flags(skip=("server.address", "server.port")),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
    ]
    return subprocess.call(cmd, env=env)
