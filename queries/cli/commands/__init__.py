"""Sub-commands of the ``complaints`` CLI, one module each (see ``dashboard.core.cli``)."""
