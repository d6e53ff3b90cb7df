-- kpi_default_as_of: the default data cut-off: the latest timestamp in the complaint data
-- (received, acknowledged, first response, resolved, closed, surveyed).
-- Returns: as_of (timestamp, null without complaints). Grain: one row. Parameters: none.
select
    greatest(
        max(received_at),
        max(acknowledged_at),
        max(first_response_at),
        max(resolved_at),
        max(closed_at),
        max(surveyed_at)
    ) as as_of,
from stg_complaints
