-- stg_group_members on Spark (override of queries/staging/stg_group_members.sql): Spark has
-- no `asof join`. The merged spans of one department and category are disjoint (a window
-- starting after the latest earlier trigger starts a new island), so the latest span
-- starting at or before a complaint that also ends after it is the span containing it: a
-- range join, keeping the latest-starting span (as the asof join does) where rule versions
-- with different windows made spans overlap. Same columns and values.
with
ordered as (
    select
        *,
        lag(trigger_at) over (
            partition by department_id, category order by trigger_at, complaint_id
        ) as prev_end
    from stg_group_triggers
),

islands as (
    select
        *,
        sum(case when prev_end is null or window_start > prev_end then 1 else 0 end) over (
            partition by department_id, category
            order by trigger_at, complaint_id
            rows between unbounded preceding and current row
        ) as island
    from ordered
),

spans as (
    select
        department_id,
        category,
        island,
        min(window_start) as span_start,
        max(trigger_at) as span_end,
        min(trigger_at) as qualified_at
    from islands
    group by department_id, category, island
),

base as (
    select c.complaint_id, c.received_at, c.category, m.department_id
    from complaints as c
    join stg_department_map as m on m.raw_department = c.department
    where c.category is not null
),

candidates as (
    select
        b.complaint_id,
        b.received_at,
        s.department_id,
        s.category,
        s.island,
        s.qualified_at,
        row_number() over (partition by b.complaint_id order by s.span_start desc) as nth
    from base as b
    join spans as s
        on b.department_id = s.department_id
        and b.category = s.category
        and b.received_at >= s.span_start
        and b.received_at <= s.span_end
),

members as (
    select complaint_id, received_at, department_id, category, island, qualified_at
    from candidates
    where nth = 1
),

named as (
    select
        department_id,
        category,
        island,
        'G-' || min_by(complaint_id, struct(received_at, complaint_id)) as group_incident_id
    from members
    group by department_id, category, island
)

select m.complaint_id, n.group_incident_id, m.qualified_at as group_qualified_at
from members as m
join named as n
    on n.department_id = m.department_id and n.category = m.category and n.island = m.island
