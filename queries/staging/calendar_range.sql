-- calendar_range: the first and last date of the data (complaints and penalties), from
-- which staging.calendar_span sets the calendar's days (stg_calendar_days).
-- Returns: lo, hi (dates; null without data). Grain: one row. Parameters: none.
with
complaint_days as (
    select
        min(received_at)::date as lo,
        greatest(
            max(received_at), max(acknowledged_at), max(first_response_at),
            max(resolved_at), max(closed_at), max(surveyed_at), max(extended_deadline)
        )::date as hi
    from complaints
),

penalty_days as (
    select
        least(min(investigation_end), min(decided_at)) as lo,
        greatest(max(investigation_end), max(decided_at)) as hi
    from penalties
)

select least(c.lo, p.lo) as lo, greatest(c.hi, p.hi) as hi
from complaint_days as c, penalty_days as p
