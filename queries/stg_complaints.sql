-- stg_complaints: one row per complaint, all canonical columns plus the derived facts of
-- domain brief §5 that do not depend on the as-of (see staging.STG_COMPLAINTS_DERIVED).
-- Grain: complaint_id. Parameters: none.
-- Reads complaints, stg_department_map, stg_rules, stg_rules_grade, stg_rules_channel,
-- stg_calendar, stg_group_members. Rules: the version in force at received_at.
-- Null severity is judged as 'general'. Working time: see stg_calendar.sql.
with
cal as (
    -- the calendar as lists indexed by day number (1 = its first day): deadlines and working
    -- time become list look-ups instead of joins
    select
        min(cal_date) as d0,
        list(wd_seq order by cal_date) as wd_seq,
        list(is_working order by cal_date) as is_working,
        list(covered order by cal_date) as covered,
        list(work_s_start order by cal_date) as work_s_start,
        list(rules_version order by cal_date) as rules_version,
        list(cal_date order by cal_date) filter (where is_working) as working_day, -- [wd_seq]
    from stg_calendar
),

base as (
    -- only the columns the derived facts need: the wide canonical row is joined once at the end
    select
        c.rowid as complaint_rowid,
        c.complaint_id,
        c.received_at,
        c.first_response_at,
        c.resolved_at,
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
        -- day numbers in the calendar lists (null outside it)
        case when c.received_at >= cal.d0 then (c.received_at::date - cal.d0) + 1 end as i_rec,
        case when c.resolved_at >= cal.d0 then (c.resolved_at::date - cal.d0) + 1 end as i_res,
        case
            when c.first_response_at >= cal.d0 then (c.first_response_at::date - cal.d0) + 1
        end as i_resp,
        case
            when c.extended_deadline >= cal.d0 then (c.extended_deadline::date - cal.d0) + 1
        end as i_ext,
    from complaints as c
    cross join cal
    left join stg_department_map as m on m.raw_department = c.department
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
    -- the rule version in force on the day of receipt (versions start at 00:00 of a date)
    select
        b.*,
        cal.rules_version[b.i_rec] as rules_version,
        r.multi_department_days,
        r.repeat_window_h,
        least(g.response_limit_h, ch.response_limit_h) as response_limit_h,
        case
            when b.multi_department then greatest(g.resolution_days, r.multi_department_days)
            else g.resolution_days
        end as resolution_days,
    from base as b
    cross join cal
    left join stg_rules as r on r.rules_version = cal.rules_version[b.i_rec]
    left join stg_rules_grade as g
        on g.rules_version = r.rules_version and g.severity = coalesce(b.severity, 'general')
    left join stg_rules_channel as ch
        on ch.rules_version = r.rules_version and ch.channel = b.channel
),

deadlines as (
    select
        l.*,
        p.prev_received_at,
        p.prev_complaint_id,
        cal.working_day[cal.wd_seq[l.i_rec] + l.resolution_days] as deadline_day,
    from limits as l
    cross join cal
    left join previous as p on p.complaint_rowid = l.complaint_rowid
),

timed as (
    select
        d.*,
        coalesce(d.extended_deadline, d.deadline_day::timestamp + interval 1 day)
            as resolution_deadline,
        cal.covered[d.i_rec]
        and coalesce(cal.covered[(d.deadline_day - cal.d0) + 1], true) as calendar_covered,
        cal.work_s_start[d.i_rec]
        + case
            when cal.is_working[d.i_rec]
                then (epoch_us(d.received_at) - epoch_us(d.received_date::timestamp)) / 1e6
            else 0
        end as received_work_s,
        case
            when d.extended_deadline is not null
                then cal.work_s_start[d.i_ext]
                + case
                    when cal.is_working[d.i_ext]
                        then (
                            epoch_us(d.extended_deadline)
                            - epoch_us(date_trunc('day', d.extended_deadline))
                        ) / 1e6
                    else 0
                end
            else cal.work_s_start[(d.deadline_day - cal.d0) + 1] + 86400
        end as deadline_work_s,
        cal.work_s_start[d.i_res]
        + case
            when cal.is_working[d.i_res]
                then (epoch_us(d.resolved_at) - epoch_us(date_trunc('day', d.resolved_at))) / 1e6
            else 0
        end as resolved_work_s,
        cal.work_s_start[d.i_resp]
        + case
            when cal.is_working[d.i_resp]
                then (
                    epoch_us(d.first_response_at) - epoch_us(date_trunc('day', d.first_response_at))
                ) / 1e6
            else 0
        end as first_response_work_s,
    from deadlines as d
    cross join cal
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
        g.group_incident_id,
        g.group_qualified_at,
        case
            when t.satisfaction >= 4 then 'satisfied'
            when t.satisfaction = 3 then 'neutral'
            when t.satisfaction <= 2 then 'dissatisfied'
        end as satisfaction_class,
        coalesce(t.is_malicious, false) as is_excluded,
    from timed as t
    left join stg_group_members as g on g.complaint_id = t.complaint_id
),

final as (
    select c.*, f.* exclude (complaint_rowid)
    from complaints as c
    join facts as f on f.complaint_rowid = c.rowid
)

select * from final
order by received_at
