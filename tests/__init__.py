"""The test suite. ``ROOT`` is the checkout (tests run from it; the engine itself never
needs it: it ships its own files)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
