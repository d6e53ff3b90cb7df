"""``complaints serve``: start the dashboard."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from dashboard.core import demo, output
from dashboard.core.paths import DB_ENV_VAR, ROOT, resolve_db_path


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
        str(ROOT / "dashboard" / "app.py"),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--browser.gatherUsageStats",
        "false",
    ]
    return subprocess.call(cmd, env=env, cwd=ROOT)
