-- kpi_root_causes: the root-cause Pareto of a cohort (docs/definitions.md#handling-ladder):
-- one row per root cause of the cohort's complaints, most frequent first, with its share, the
-- cumulative share, its complaints in the recurring window and whether it is recurring.
-- Grain: root_cause. Parameters: as kpi_summary, plus $rc_start (timestamp; the window is
--   [rc_start, end)), $rc_min (recurring_min_complaints).
-- Recurring: at least $rc_min complaints (same filters) in the window; else one-off.
-- example: rc_start = '2025-08-01 00:00:00'
-- example: rc_min = 3
with
-- include: kpi_cohort

counts as (
    select f.root_cause, count(*) as n
    from flags as f
    where f.root_cause is not null
    group by f.root_cause
),

rc_window as (
    select c.root_cause, count(*) as n_window
    from stg_complaints as c
    where
        c.root_cause is not null
        and c.received_at >= $rc_start::timestamp
        and c.received_at < $end::timestamp
        and c.received_at <= $as_of::timestamp
-- include: cohort_filters
    group by c.root_cause
)

select
    c.root_cause,
    c.n,
    c.n / sum(c.n) over () as share,
    sum(c.n) over (order by c.n desc, c.root_cause rows unbounded preceding)
    / sum(c.n) over () as cumulative_share,
    coalesce(w.n_window, 0) as n_window,
    coalesce(w.n_window, 0) >= $rc_min as recurring,
from counts as c
left join rc_window as w on w.root_cause = c.root_cause
order by c.n desc, c.root_cause
