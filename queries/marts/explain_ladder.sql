-- explain_ladder: one complaint's handling-ladder stages (stg_stages) against their limits, in
-- ladder order, with the state at the as-of (docs/definitions.md#handling-ladder).
-- Grain: stage. Parameters: $complaint_id (varchar), $as_of (timestamp).
-- state: 'not_measured' (the source has no such timestamp), 'on_time', 'late', 'skipped',
--   'overdue', 'open' (as kpi_ladder_rows); done_at after the as-of is not yet done.
select
    s.stage,
    s.started_at,
    s.unit,
    s.limit_value,
    s.due_at,
    case when s.done_at <= $as_of::timestamp then s.done_at end as done_at,
    case when s.done_at <= $as_of::timestamp then s.duration_h end as duration_h,
    case
        when not s.measured then 'not_measured'
        when s.done_at <= $as_of::timestamp and s.on_time then 'on_time'
        when s.done_at <= $as_of::timestamp then 'late'
        when s.skipped then 'skipped'
        when s.due_at <= $as_of::timestamp then 'overdue'
        else 'open'
    end as state,
from stg_stages as s
where s.complaint_id = $complaint_id::varchar and s.started_at <= $as_of::timestamp
order by s.stage_order
