-- stg_group_members: the complaints that belong to a group incident.
-- Returns: complaint_id, group_incident_id, group_qualified_at. Grain: complaint_id.
-- Parameters: none. Reads stg_group_triggers.
-- Definition: a complaint belongs to an incident when it lies in the window of some trigger
-- (same department and category, window_start <= received_at <= trigger_at). Windows that
-- overlap or touch (a window starting at or before the latest earlier trigger) merge into
-- one incident. The incident id is 'G-' + the id of its earliest complaint; qualified_at is
-- its first trigger (the moment it reached the minimum of distinct customers).
with
ordered as (
    select
        *,
        max(trigger_at) over (
            partition by department_id, category
            order by trigger_at, complaint_id
            rows between unbounded preceding and 1 preceding
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

qualified as (
    select
        *,
        min(trigger_at) over (partition by department_id, category, island) as qualified_at,
    from islands
),

base as (
    select c.complaint_id, c.received_at, c.category, m.department_id
    from complaints as c
    join stg_department_map as m on m.raw_department = c.department
    where c.category is not null
),

members as (
    select b.complaint_id, b.received_at, b.department_id, b.category, q.island, q.qualified_at
    from base as b
    asof join qualified as q
        on b.department_id = q.department_id
        and b.category = q.category
        and b.received_at <= q.trigger_at
    where b.received_at >= q.window_start
)

select
    complaint_id,
    'G-' || first(complaint_id order by received_at, complaint_id) over (
        partition by department_id, category, island
    ) as group_incident_id,
    qualified_at as group_qualified_at,
from members
