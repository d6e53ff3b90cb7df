"""``python -m dashboard ...`` is the same as the ``complaints`` command."""

from queries.cli import main

raise SystemExit(main())
