"""Sub-commands of the ``complaints`` CLI, one module each (see ``queries.cli``)."""
