-- alert_near_deadline: open complaints (received by the as-of, not resolved by it) that have
-- used at least $share of their working time to the resolution deadline and are not overdue.
-- Working time on the company calendar's clock (stg_calendar: received_work_s,
-- deadline_work_s). Returns: complaint_id, received_at, department (name_zh), category,
-- severity, resolution_deadline, used_share, working_hours_left.
-- Grain: complaint_id. Parameters: $as_of (timestamp), $share (double, 0-1).
-- example: share = 0.8
with
-- include: as_of_clock

open_now as (
    select
        c.*,
        (select a.as_of_work_s from as_of_clock as a) as as_of_work_s,
    from stg_complaints as c
    where
        c.received_at <= $as_of::timestamp
        and (c.resolved_at is null or c.resolved_at > $as_of::timestamp)
        and c.resolution_deadline > $as_of::timestamp
        and c.deadline_work_s > c.received_work_s
),

final as (
    select
        o.complaint_id,
        o.received_at,
        coalesce(o.department_name_zh, o.department) as department,
        o.category,
        o.severity,
        o.resolution_deadline,
        (o.as_of_work_s - o.received_work_s) / (o.deadline_work_s - o.received_work_s)
            as used_share,
        (o.deadline_work_s - o.as_of_work_s) / 3600 as working_hours_left,
    from open_now as o
)

select * from final
where used_share >= $share::double
order by working_hours_left, complaint_id
