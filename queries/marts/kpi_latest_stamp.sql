-- kpi_latest_stamp: the latest timestamp in the complaint data (received, acknowledged,
-- first response, resolved, closed, surveyed) without kpi_default_as_of's plausibility
-- bound. Plain maxima of whole columns: DuckDB answers them from the column statistics
-- without reading the rows, so context.data_as_of runs this first and, when the result is
-- not after the bound, it is kpi_default_as_of's answer (nothing was filtered out); only a
-- time after the bound costs the full scan of kpi_default_as_of.
-- Returns: latest (timestamp, null without complaints). Grain: one row.
select
    greatest(
        max(received_at),
        max(acknowledged_at),
        max(first_response_at),
        max(resolved_at),
        max(closed_at),
        max(surveyed_at)
    ) as latest,
from stg_complaints
