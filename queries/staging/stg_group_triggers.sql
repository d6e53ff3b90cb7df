-- stg_group_triggers: complaints at which a group incident threshold is reached: the
-- trailing window [received_at - window, received_at] of the same department and category
-- holds >= min_customers distinct customers.
-- Returns: complaint_id, department_id, category, trigger_at, window_start, rules_version.
-- Grain: one row per triggering complaint.
-- Parameters: $window_hours (double, e.g. 24), $min_customers (integer, e.g. 5): run once per
--   distinct (window, minimum) pair of the rule versions; only triggers whose rule version
--   (at trigger_at) has that pair are kept.
with
base as (
    select c.complaint_id, c.received_at, c.customer_id, c.category, m.department_id
    from complaints as c
    join stg_department_map as m on m.raw_department = c.department
    where c.category is not null
),

counted as (
    select
        *,
        count(distinct customer_id) over (
            partition by department_id, category
            order by received_at
            range between to_seconds($window_hours * 3600) preceding and current row
        ) as n_customers,
    from base
)

select
    c.complaint_id,
    c.department_id,
    c.category,
    c.received_at as trigger_at,
    c.received_at - to_seconds($window_hours * 3600) as window_start,
    r.rules_version,
from counted as c
join stg_calendar as day on day.cal_date = c.received_at::date
join stg_rules as r on r.rules_version = day.rules_version
where
    c.n_customers >= $min_customers
    and r.group_window_h = $window_hours
    and r.group_min_customers = $min_customers
