-- kpi_default_as_of: the default data cut-off: the latest timestamp in the complaint data
-- (received, acknowledged, first response, resolved, closed, surveyed).
-- Timestamps after $latest (the current time plus the import tolerance) cannot be true and
-- are ignored: one complaint dated 2199 must not move every page's as-of.
-- Returns: as_of (timestamp, null without complaints). Grain: one row.
-- Parameters: $latest (timestamp).
-- example: latest = "2030-01-01 00:00:00"
select
    greatest(
        max(received_at) filter (where received_at <= $latest),
        max(acknowledged_at) filter (where acknowledged_at <= $latest),
        max(first_response_at) filter (where first_response_at <= $latest),
        max(resolved_at) filter (where resolved_at <= $latest),
        max(closed_at) filter (where closed_at <= $latest),
        max(surveyed_at) filter (where surveyed_at <= $latest)
    ) as as_of,
from stg_complaints
