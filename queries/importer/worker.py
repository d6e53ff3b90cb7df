"""Run an import or a preview in a worker process with bounded resources.

The worker is a fresh interpreter (running ``worker.main``; it never inherits
the caller's threads, open databases or memory) that caps its own memory at
``Limits.memory_mb`` before doing anything, and is killed when it runs past
``Limits.seconds``. The cap is ``RLIMIT_DATA`` (heap and private anonymous mappings: what a
reader building a huge sheet allocates), not ``RLIMIT_AS``: DuckDB reserves about 2 GB of
address space it never touches, so an address-space cap small enough to matter would stop
every import. The call goes in on its stdin and the answer comes back on its stdout,
both pickled. Whatever happens inside it (a reader aborting on a hostile file, memory
exhausted, a time-out), the caller gets one line: an import ends with outcome ``failed``
and an ``import_log`` row; a preview raises ``ImportRefused``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from queries import audit, paths, store
from queries.importer import pipeline
from queries.importer import suggest as suggest_mod
from queries.importer.errors import ImportRefused
from queries.limits import Limits, cap_process_memory

Progress = Callable[[float, str], None]


class WorkerFailed(Exception):
    """The worker process died, ran out of memory or time (one-line reason)."""


#: What a worker may run (by name, from the caller's pickled call): everything that opens an
#: uploaded file.
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "import_file": pipeline.import_file,
    "preview": pipeline.preview,
    "suggest": suggest_mod.suggest,
}


def main() -> None:
    """Worker body: read the call from stdin, cap memory, run it, pickle the outcome to
    the original stdout (anything else printed goes to stderr)."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    fn_name, args, kwargs, memory_mb = pickle.load(sys.stdin.buffer)
    cap_process_memory(memory_mb)
    try:
        value = _FUNCTIONS[fn_name](*args, **kwargs)
        message: tuple[str, Any] = ("ok", value)
    except MemoryError:
        message = ("memory", None)
    except (ImportRefused, store.DatabaseBusyError) as exc:
        message = ("raise", exc)
    except Exception as exc:  # anything else ends this file's import with one line
        message = ("error", f"{type(exc).__name__}: {exc}".splitlines()[0])
    try:
        payload = pickle.dumps(message)
    except MemoryError:
        payload = pickle.dumps(("memory", None))
    out.write(payload)
    out.close()


def _last_line(log: Any) -> str:
    log.seek(0, os.SEEK_END)
    log.seek(max(0, log.tell() - 4096))
    lines = [ln.strip() for ln in log.read().decode("utf-8", "replace").splitlines()]
    lines = [ln for ln in lines if ln]
    telling = [ln for ln in lines if ln.startswith(("memory allocation", "thread "))]
    return (telling or lines or [""])[-1][:200]


def _describe_exit(code: int, limits: Limits, last: str) -> str:
    said = f": {last}" if last else ""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return (
            f"the import worker was stopped by {name}{said} (a reader crashed on this file,"
            f" or it reached the memory cap of {limits.memory_mb:,} MB)"
        )
    return f"the import worker ended unexpectedly (exit code {code}){said}"


def run(fn_name: str, *args: Any, limits: Limits | None = None, **kwargs: Any) -> Any:
    """Run ``_FUNCTIONS[fn_name](*args, **kwargs)`` in a worker process and return its value.

    Raises:
        ImportRefused, DatabaseBusyError: raised by the function in the worker.
        WorkerFailed: the worker crashed, ran out of memory or past the time budget.
    """
    limits = limits or Limits.from_env()
    env = dict(os.environ)
    root = str(paths.PACKAGE_DIR.parent)  # the worker imports this very copy of the engine
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["RUST_BACKTRACE"] = "0"  # a crashing reader's last words fit on one line
    call = pickle.dumps((fn_name, args, kwargs, limits.memory_mb))
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from queries.importer.worker import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
        )
        try:
            out, _ = proc.communicate(call, timeout=limits.seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise WorkerFailed(
                f"stopped after {limits.seconds:g} s, the time budget of one import"
                " (COMPLAINTS_IMPORT_SECONDS)"
            ) from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0 or not out:
            raise WorkerFailed(_describe_exit(proc.returncode, limits, _last_line(log)))
    status, value = pickle.loads(out)
    if status == "ok":
        return value
    if status == "raise":
        raise value
    if status == "memory":
        raise WorkerFailed(
            f"ran out of memory: the import worker's cap is {limits.memory_mb:,} MB"
            " (COMPLAINTS_IMPORT_MEMORY_MB)"
        )
    raise WorkerFailed(value)


def _file_facts(source: pipeline.Source) -> tuple[str, int, str]:
    """Name, size and SHA-256 of a source, for the log row of an import that died."""
    if isinstance(source, tuple):
        return source[0], len(source[1]), pipeline.sha256_of(source[1])
    path = Path(source)
    try:
        with path.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        return str(path), path.stat().st_size, digest
    except OSError:
        return str(path), 0, ""


def import_file(
    db_path: Path,
    source: pipeline.Source,
    *,
    limits: Limits | None = None,
    user: str | None = None,
    wait_seconds: float = 60.0,
    **kwargs: Any,
) -> pipeline.ImportResult:
    """``pipeline.import_file`` in a worker process. A crash or a limit hit returns a result
    with ``outcome='failed'`` and a one-line message, logged in ``import_log``."""
    limits = limits or Limits.from_env()
    started = dt.datetime.now().replace(microsecond=0)
    user = user or audit.current_actor()
    try:
        return run(
            "import_file",
            db_path,
            source,
            limits=limits,
            user=user,
            wait_seconds=wait_seconds,
            **kwargs,
        )
    except WorkerFailed as exc:
        name, size, sha = _file_facts(source)
        result = pipeline.ImportResult(
            file=name,
            sha256=sha,
            import_id=time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8],
            outcome="failed",
            message=str(exc),
        )
        pipeline.log_only(Path(db_path), result, size, started, user, wait_seconds)
        return result


def import_files(
    db_path: Path,
    files: Sequence[pipeline.Source],
    *,
    progress: Progress | None = None,
    limits: Limits | None = None,
    **kwargs: Any,
) -> list[pipeline.ImportResult]:
    """Import several files, each as its own publication in its own worker process
    (``import_file`` here; keyword arguments as ``pipeline.import_file``), reporting
    progress as ``progress(fraction done, file name)``."""
    limits = limits or Limits.from_env()
    results = []
    for i, source in enumerate(files):
        name = source[0] if isinstance(source, tuple) else str(source)
        if progress:
            progress(i / max(len(files), 1), Path(name).name)
        results.append(import_file(db_path, source, limits=limits, **kwargs))
    if progress:
        progress(1.0, "")
    return results


def preview(*args: Any, limits: Limits | None = None, **kwargs: Any) -> pipeline.Preview:
    """``pipeline.preview`` in a worker process.

    Raises:
        ImportRefused: the file was refused, or the worker crashed or hit a limit.
    """
    try:
        return run("preview", *args, limits=limits, **kwargs)
    except WorkerFailed as exc:
        raise ImportRefused(str(exc)) from None


def suggest(*args: Any, limits: Limits | None = None, **kwargs: Any) -> suggest_mod.Suggestion:
    """``suggest.suggest`` (the proposed mapping of an uploaded file) in a worker process.

    Raises:
        ImportRefused: the file was refused, or the worker crashed or hit a limit.
    """
    try:
        return run("suggest", *args, limits=limits, **kwargs)
    except WorkerFailed as exc:
        raise ImportRefused(str(exc)) from None
