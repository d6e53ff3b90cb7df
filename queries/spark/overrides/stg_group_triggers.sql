-- stg_group_triggers on Spark (override of queries/staging/stg_group_triggers.sql): Spark
-- has no `count(distinct) over` a window and its frame bounds must be literals, so the
-- distinct customers of the trailing window are size(collect_set(...)) over a range on the
-- receipt time in microseconds, $WINDOW_US being the rule's window (the build writes the
-- number in). Parameters: :window_hours, :min_customers. Same columns and values.
with
base as (
    select
        c.complaint_id,
        c.received_at,
        unix_micros(cast(c.received_at as timestamp_ltz)) as received_us,
        c.customer_id,
        c.category,
        m.department_id
    from complaints as c
    join stg_department_map as m on m.raw_department = c.department
    where c.category is not null
),

counted as (
    select
        *,
        size(collect_set(customer_id) over (
            partition by department_id, category
            order by received_us
            range between $WINDOW_US preceding and current row
        )) as n_customers
    from base
)

select
    c.complaint_id,
    c.department_id,
    c.category,
    c.received_at as trigger_at,
    c.received_at - make_dt_interval(0, 0, 0, :window_hours * 3600) as window_start,
    r.rules_version
from counted as c
join stg_calendar as day on day.cal_date = cast(c.received_at as date)
join stg_rules as r on r.rules_version = day.rules_version
where
    c.n_customers >= :min_customers
    and r.group_window_h = :window_hours
    and r.group_min_customers = :min_customers
