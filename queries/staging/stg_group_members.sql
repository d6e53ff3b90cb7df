-- stg_group_members: the complaints that belong to a group incident.
-- Returns: complaint_id, group_incident_id, group_qualified_at. Grain: complaint_id.
-- Parameters: none. Reads stg_group_triggers.
-- Definition: a complaint belongs to an incident when it lies in the window of some trigger
-- (same department and category, window_start <= received_at <= trigger_at). Windows that
-- overlap or touch (a window starting at or before the latest earlier trigger) merge into
-- one incident, whose complaints are those in the merged span [first window start, last
-- trigger]. The incident id is 'G-' + the id of its earliest complaint; qualified_at is its
-- first trigger (the moment it reached the minimum of distinct customers).
with
ordered as (
    select
        *,
        -- the latest earlier trigger's end: rows are ordered by trigger_at, so the maximum
        -- over all preceding rows is the preceding row's (cheaper than a framed max)
        lag(trigger_at) over (
            partition by department_id, category order by trigger_at, complaint_id
        ) as prev_end,
    from stg_group_triggers
),

islands as (
    select
        *,
        sum(case when prev_end is null or window_start > prev_end then 1 else 0 end) over (
            partition by department_id, category
            order by trigger_at, complaint_id
            rows unbounded preceding
        ) as island,
    from ordered
),

spans as (
    -- chained overlapping windows cover one contiguous span
    select
        department_id,
        category,
        island,
        min(window_start) as span_start,
        max(trigger_at) as span_end,
        min(trigger_at) as qualified_at,
    from islands
    group by department_id, category, island
),

base as (
    select c.complaint_id, c.received_at, c.category, m.department_id
    from complaints as c
    join stg_department_map as m on m.raw_department = c.department
    where c.category is not null
),

members as (
    select b.complaint_id, b.received_at, s.department_id, s.category, s.island, s.qualified_at
    from base as b
    asof join spans as s
        on b.department_id = s.department_id
        and b.category = s.category
        and b.received_at >= s.span_start
    where b.received_at <= s.span_end
),

named as (
    select
        department_id,
        category,
        island,
        'G-' || arg_min(complaint_id, (received_at, complaint_id)) as group_incident_id,
    from members
    group by department_id, category, island
)

select m.complaint_id, n.group_incident_id, m.qualified_at as group_qualified_at
from members as m
join named as n
    on n.department_id = m.department_id and n.category = m.category and n.island = m.island
