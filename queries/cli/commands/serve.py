"""``complaints serve``: start the dashboard."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from queries import demo, output
from queries.paths import DB_ENV_VAR, resolve_db_path

# The app is found, not imported: the engine never imports the app.
_APP_SPEC = importlib.util.find_spec("dashboard")
APP_DIR = Path(_APP_SPEC.origin if _APP_SPEC and _APP_SPEC.origin else ".").resolve().parent
#: The app's Streamlit settings, shipped with the package (the checkout's
#: ``.streamlit/config.toml`` links to it); passed as flags so they apply from any folder.
CONFIG_FILE = APP_DIR / ".streamlit" / "config.toml"


def config_flags(path: Path = CONFIG_FILE) -> list[str]:
    """``--section.key value`` flags for every setting of a Streamlit config file."""
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    flags: list[str] = []
    for section, values in doc.items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{key}", text]
    return flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the dashboard (Streamlit) in the browser")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="localhost", help="address to listen on")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    env[DB_ENV_VAR] = str(resolve_db_path(args.db))
    if demo.ensure_demo(resolve_db_path(args.db), progress=output.info):
        output.info(f"{env[DB_ENV_VAR]}: there was no database, built the demo company's")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_DIR / "app.py"),
        *config_flags(),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
    ]
    return subprocess.call(cmd, env=env)
