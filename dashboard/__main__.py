"""``python -m dashboard ...`` is the same as the ``complaints`` command."""

from dashboard.core.cli import main

raise SystemExit(main())
