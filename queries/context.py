"""The read context: what every engine read needs, resolved once.

One ``ReadContext`` is built per script run of the app, per CLI command and per meeting pack
(``open_context``). Building it makes the derived tables current for the rule set in force
(``staging.ensure_current``, once), loads the rules once and finds the data's default as-of
once. Engine functions take it as their first argument; they also accept a bare cursor (as
the tests and small scripts pass), which is wrapped by ``of`` — once per call, so code that
makes several engine calls builds one context and passes it on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeAlias

import duckdb
import pandas as pd

from queries import staging, store
from queries.config.rules import RuleSet, load_rules
from queries.importer.readers import Limits


@dataclass(frozen=True)
class ReadContext:
    """An immutable view for one unit of reading work.

    Attributes:
        cur: the cursor on one published snapshot (derived tables current for ``rules``).
        rules: the rule set in force (loaded once).
        data_as_of: the latest timestamp in the complaint data, None without complaints.
    """

    cur: duckdb.DuckDBPyConnection
    rules: RuleSet
    data_as_of: dt.datetime | None

    def as_of(self, explicit: dt.datetime | None = None) -> dt.datetime:
        """The as-of to use: ``explicit`` when given, else the data's latest timestamp, else
        now (an empty database)."""
        if explicit is not None:
            return explicit
        if self.data_as_of is not None:
            return self.data_as_of
        return dt.datetime.now().replace(microsecond=0)


#: What engine functions accept: a context, or a bare cursor to wrap.
Source: TypeAlias = ReadContext | duckdb.DuckDBPyConnection


def data_as_of(cur: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The latest timestamp in the complaint data (received/acknowledged/first response/
    resolved/closed/surveyed) that is not after now plus the import tolerance
    (``Limits.future_hours``: such times cannot be true); None when there are no
    complaints. The derived tables must be current (``open_context`` sees to it)."""
    latest = dt.datetime.now() + dt.timedelta(hours=Limits.from_env().future_hours)
    value = store.run_query(cur, "kpi_default_as_of", {"latest": latest})["as_of"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def open_context(cur: duckdb.DuckDBPyConnection, rules: RuleSet | None = None) -> ReadContext:
    """Build the context for ``cur``: load the rules (unless given), make the derived tables
    current for them, and find the data's as-of."""
    rule_set = rules if rules is not None else load_rules()
    staging.ensure_current(cur, rule_set)
    return ReadContext(cur=cur, rules=rule_set, data_as_of=data_as_of(cur))


def of(source: Source) -> ReadContext:
    """``source`` itself when it is a context, else a new context on the cursor."""
    return source if isinstance(source, ReadContext) else open_context(source)
