-- kpi_at_risk: open complaints (received by the as-of, not resolved by it) ordered by the
-- working hours left to their resolution deadline: overdue first (most overdue first),
-- then the soonest due.
-- Returns: complaint_id, received_at, department_name_zh, department_name_en, category, severity, channel,
--   escalation_level, handler, status, resolution_deadline, is_overdue, hours_left (clock), working_hours_left
--   (working time, see stg_calendar.sql; negative = overdue), rules_version.
-- Grain: complaint_id. Parameters: $as_of (timestamp), $limit (integer or null = all),
--   $due_before (timestamp or null: only deadlines at or before it), $f_department,
--   $f_category, $f_channel, $f_severity, $f_region, $f_product, $f_handler (varchar[]),
--   $exclude_malicious (boolean).
with
-- include: dept_scope

-- include: as_of_clock

open_now as (
    select c.*
    from stg_complaints as c
    where
        c.received_at <= $as_of::timestamp
        and (c.resolved_at is null or c.resolved_at > $as_of::timestamp)
-- include: cohort_filters
        and ($due_before::timestamp is null or c.resolution_deadline <= $due_before::timestamp)
),

final as (
    select
        o.complaint_id,
        o.received_at,
        o.department_name_zh,
        o.department_name_en,
        o.category,
        o.severity,
        o.channel,
        o.escalation_level,
        o.handler,
        o.status,
        o.resolution_deadline,
        coalesce(o.resolution_deadline < $as_of::timestamp, false) as is_overdue,
        (epoch_us(o.resolution_deadline) - epoch_us($as_of::timestamp)) / 3600e6 as hours_left,
        (o.deadline_work_s - (select a.as_of_work_s from as_of_clock as a)) / 3600
            as working_hours_left,
        o.rules_version,
    from open_now as o
)

select * from final
order by is_overdue desc, working_hours_left nulls last, hours_left nulls last, complaint_id
limit $limit
