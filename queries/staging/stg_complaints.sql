-- stg_complaints: one row per complaint, all canonical columns plus the derived facts of
-- docs/definitions.md (#deadlines, #repeat-and-group) that do not depend on the as-of (see staging.STG_COMPLAINTS_DERIVED).
-- Grain: complaint_id. Parameters: none.
-- Reads complaints, stg_department_map, stg_rules, stg_rules_grade, stg_rules_channel,
-- stg_calendar, stg_group_members. Rules: the version in force at received_at.
-- Null severity is judged as 'general'. Working time: see stg_calendar.sql.
with
base as (
    -- only the columns the derived facts need: the wide canonical row is joined once at the end
    select
        c.rowid as complaint_rowid,
        c.complaint_id,
        c.received_at,
        c.first_response_at,
        c.resolved_at,
        c.closed_at,
        c.status,
        c.channel,
        c.severity,
        c.satisfaction,
        c.is_malicious,
        c.parent_complaint_id,
        c.multi_department,
        c.extended_deadline,
        m.department_id,
        m.department_name_zh,
        m.department_name_en,
        m.parent_department_id,
        m.parent_department_name_zh,
        cast(c.received_at as date) as received_date,
        g.group_incident_id,
        g.group_qualified_at,
    from complaints as c
    left join stg_department_map as m on m.raw_department = c.department
    left join stg_group_members as g on g.complaint_id = c.complaint_id
),

versioned as (
    -- the rule version in force on the day of receipt (versions start at 00:00 of a date).
    -- Left joins, though every receipt day has a calendar row and a version (the calendar
    -- spans all complaint dates; the first version starts in 1900): with inner joins DuckDB
    -- estimated ~1,000 rows here and built the later calendar joins' hash tables on the
    -- million-row side (5x slower, most of the memory).
    select b.*, r.rules_version, r.multi_department_days, r.repeat_window_h, r.quick_close_days
    from base as b
    left join stg_calendar as day on day.cal_date = b.received_date
    left join stg_rules as r on r.rules_version = day.rules_version
),

previous as (
    -- the latest earlier complaint (strictly earlier received_at) of the same customer and
    -- category; ties broken by complaint_id. Computed on a narrow projection.
    select
        c.rowid as complaint_rowid,
        max(c.received_at) over same_customer as prev_received_at,
        arg_max(c.complaint_id, (c.received_at, c.complaint_id)) over same_customer
            as prev_complaint_id,
    from complaints as c
    where c.customer_id is not null and c.category is not null
    window same_customer as (
        partition by c.customer_id, c.category
        order by c.received_at
        range between unbounded preceding and interval 1 microsecond preceding
    )
),

limits as (
    select
        v.*,
        p.prev_received_at,
        p.prev_complaint_id,
        least(g.response_limit_h, ch.response_limit_h) as response_limit_h,
        case
            when v.multi_department then greatest(g.resolution_days, v.multi_department_days)
            else g.resolution_days
        end as resolution_days,
    from versioned as v
    left join previous as p on p.complaint_rowid = v.complaint_rowid
    left join stg_rules_grade as g
        on g.rules_version = v.rules_version and g.severity = coalesce(v.severity, 'general')
    left join stg_rules_channel as ch
        on ch.rules_version = v.rules_version and ch.channel = v.channel
),

timed as (
    select
        l.*,
        wd.cal_date as deadline_day,
        qd.cal_date::timestamp + interval 1 day as quick_close_deadline,
        coalesce(
            l.extended_deadline, wd.cal_date::timestamp + interval 1 day
        ) as resolution_deadline,
        rc.covered and coalesce(wd.covered, true) as calendar_covered,
        rc.work_s_start
        + case
            when rc.is_working
                then (epoch_us(l.received_at) - epoch_us(date_trunc('day', l.received_at))) / 1e6
            else 0
        end as received_work_s,
        case
            when l.extended_deadline is not null
                then ed.work_s_start
                + case
                    when ed.is_working
                        then (
                            epoch_us(l.extended_deadline)
                            - epoch_us(date_trunc('day', l.extended_deadline))
                        ) / 1e6
                    else 0
                end
            else wd.work_s_start + 86400
        end as deadline_work_s,
        rd.work_s_start
        + case
            when rd.is_working
                then (epoch_us(l.resolved_at) - epoch_us(date_trunc('day', l.resolved_at))) / 1e6
            else 0
        end as resolved_work_s,
        fd.work_s_start
        + case
            when fd.is_working
                then (
                    epoch_us(l.first_response_at) - epoch_us(date_trunc('day', l.first_response_at))
                ) / 1e6
            else 0
        end as first_response_work_s,
    from limits as l
    left join stg_calendar as rc on rc.cal_date = l.received_date
    left join stg_calendar as wd
        on wd.wd_seq = rc.wd_seq + l.resolution_days and wd.is_working
    left join stg_calendar as qd
        on qd.wd_seq = rc.wd_seq + l.quick_close_days and qd.is_working
    left join stg_calendar as ed on ed.cal_date = cast(l.extended_deadline as date)
    left join stg_calendar as rd on rd.cal_date = cast(l.resolved_at as date)
    left join stg_calendar as fd on fd.cal_date = cast(l.first_response_at as date)
),

facts as (
    select
        t.complaint_rowid,
        t.department_id,
        t.department_name_zh,
        t.department_name_en,
        t.parent_department_id,
        t.parent_department_name_zh,
        t.received_date,
        t.rules_version,
        t.response_limit_h,
        t.resolution_days,
        t.resolution_deadline,
        t.calendar_covered,
        t.received_work_s,
        t.deadline_work_s,
        t.received_at + to_seconds(t.response_limit_h * 3600) as response_due_at,
        (epoch_us(t.first_response_at) - epoch_us(t.received_at)) / 3600e6 as first_response_h,
        case
            when t.first_response_at is null then null
            when t.response_limit_h is null then true
            else t.first_response_at <= t.received_at + to_seconds(t.response_limit_h * 3600)
        end as responded_within_limit,
        (epoch_us(t.resolved_at) - epoch_us(t.received_at)) / 3600e6 as resolution_h,
        case
            when t.resolved_at is null then null else t.resolved_at <= t.resolution_deadline
        end as resolved_by_deadline,
        case
            when t.resolved_at is null then null else t.resolved_at <= t.quick_close_deadline
        end as resolved_quickly,
        (t.resolved_work_s - t.received_work_s) / 3600 as resolution_working_h,
        (t.first_response_work_s - t.received_work_s) / 3600 as first_response_working_h,
        t.parent_complaint_id is not null
        or coalesce(
            epoch_us(t.received_at) - epoch_us(t.prev_received_at)
            <= t.repeat_window_h * 3600e6,
            false
        ) as is_repeat,
        case
            when t.parent_complaint_id is not null then t.parent_complaint_id
            when
                epoch_us(t.received_at) - epoch_us(t.prev_received_at)
                <= t.repeat_window_h * 3600e6
                then t.prev_complaint_id
        end as repeat_of_complaint_id,
        t.group_incident_id,
        t.group_qualified_at,
        case
            when t.satisfaction >= 4 then 'satisfied'
            when t.satisfaction = 3 then 'neutral'
            when t.satisfaction <= 2 then 'dissatisfied'
        end as satisfaction_class,
        coalesce(t.is_malicious, false) as is_excluded,
        -- void statuses (schema.VOID_STATUSES): out of every KPI cohort, counted on their own
        coalesce(t.status in ('withdrawn', 'duplicate', 'cancelled'), false) as is_void,
        -- closed by status or closed_at but no resolved_at: a data-quality warning, never overdue
        (coalesce(t.status in ('resolved', 'closed'), false) or t.closed_at is not null)
        and t.resolved_at is null as closed_without_resolution,
    from timed as t
),

final as (
    select c.*, f.* exclude (complaint_rowid)
    from complaints as c
    join facts as f on f.complaint_rowid = c.rowid
)

-- No `order by`: sorting the wide rows (description text...) ran the 10M-row demo build out
-- of its memory cap. Readers filter and sort explicitly; the rows come out roughly in the
-- canonical table's order (chronological for the demo and for time-ordered exports).
select * from final
