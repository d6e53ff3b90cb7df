-- kpi_cohort: the complaints of a KPI cohort with their as-of dependent facts (one row per
-- complaint): the rows behind every KPI number (drill, complaint list).
-- Returns: every stg_complaints column, dim, is_resolved, has_response, with_volume,
--   on_time_num, on_time_den, sla_num, sla_den, is_open, is_overdue, in_group_incident,
--   is_surveyed, is_escalated, has_compensation, hours_left, working_hours_left.
-- Grain: complaint_id. kpi.drill swaps the marked /*part*/ condition for an allow-listed
--   flag expression (kpi.DRILL_FLAGS) to keep a number's numerator or denominator rows.
-- Parameters: $start, $end (date; cohort [start, end) on received_at), $as_of (timestamp;
--   nothing after it exists), $f_department, $f_category, $f_channel, $f_severity, $f_region,
--   $f_product, $f_handler (varchar[]; empty = no filter; department includes children),
--   $exclude_malicious (boolean: leave out complaints verified malicious),
--   $search (varchar or null: substring of complaint_id/description/handler/customer_id,
--   case-insensitive), $limit (integer).
-- example: f_category = ['产品质量']
with
-- cohort: begin (identical in kpi_cohort.sql and kpi_summary.sql; tests check it)
dept_scope as (
    -- the filtered departments and all their descendants
    select t.department_id
    from stg_department_tree as t
    join stg_department_map as m on m.department_id = t.ancestor_id
    where list_contains($f_department::varchar [], m.raw_department)
),

volume_scope as (
    -- department-months with a business volume, whole months inside the period
    select v.*
    from stg_volumes as v
    where
        v.month >= $start::date
        and v.month + interval 1 month <= $end::date
        and (
            len($f_department::varchar []) = 0
            or v.department_id in (select d.department_id from dept_scope as d)
        )
),

cohort as (
    select
        c.*,
        /*dim*/ 'all' /*dim*/ as dim,
        c.resolved_at is not null and c.resolved_at <= $as_of::timestamp as is_resolved,
        c.first_response_at is not null
        and c.first_response_at <= $as_of::timestamp as has_response,
        vs.volume is not null as with_volume,
    from stg_complaints as c
    left join volume_scope as vs
        on vs.department_id = c.department_id
        and vs.month = date_trunc('month', c.received_date)
    where
        c.received_at >= $start::timestamp
        and c.received_at < $end::timestamp
        and c.received_at <= $as_of::timestamp
        and (
            len($f_department::varchar []) = 0
            or c.department_id in (select d.department_id from dept_scope as d)
        )
        and (len($f_category::varchar []) = 0 or list_contains($f_category::varchar [], c.category))
        and (len($f_channel::varchar []) = 0 or list_contains($f_channel::varchar [], c.channel))
        and (len($f_severity::varchar []) = 0 or list_contains($f_severity::varchar [], c.severity))
        and (len($f_region::varchar []) = 0 or list_contains($f_region::varchar [], c.region))
        and (len($f_product::varchar []) = 0 or list_contains($f_product::varchar [], c.product))
        and (len($f_handler::varchar []) = 0 or list_contains($f_handler::varchar [], c.handler))
        and (not $exclude_malicious::boolean or not c.is_excluded)
),

flags as (
    -- as-of dependent facts: a timestamp after the as-of has not happened yet
    select
        *,
        is_resolved and coalesce(resolved_by_deadline, false) as on_time_num,
        is_resolved or coalesce(resolution_deadline <= $as_of::timestamp, false) as on_time_den,
        has_response and coalesce(responded_within_limit, false) as sla_num,
        has_response or coalesce(response_due_at < $as_of::timestamp, false) as sla_den,
        not is_resolved as is_open,
        not is_resolved and coalesce(resolution_deadline < $as_of::timestamp, false) as is_overdue,
        coalesce(group_qualified_at <= $as_of::timestamp, false) as in_group_incident,
        satisfaction is not null
        and (surveyed_at <= $as_of::timestamp or (surveyed_at is null and is_resolved))
            as is_surveyed,
        coalesce(escalation_level >= 2, false) as is_escalated,
        compensation_type is not null or compensation_amount is not null as has_compensation,
    from cohort
),
-- cohort: end

as_of_clock as (
    select
        c.work_s_start
        + case
            when c.is_working
                then (epoch_us($as_of::timestamp) - epoch_us(c.cal_date::timestamp)) / 1e6
            else 0
        end as as_of_work_s
    from stg_calendar as c
    where c.cal_date = $as_of::date
),

final as (
    select
        f.*,
        (epoch_us(f.resolution_deadline) - epoch_us($as_of::timestamp)) / 3600e6 as hours_left,
        (f.deadline_work_s - (select a.as_of_work_s from as_of_clock as a)) / 3600
            as working_hours_left,
    from flags as f
    where
        (/*part*/ true /*part*/)
        and (
            $search::varchar is null
            or contains(lower(f.complaint_id), lower($search::varchar))
            or contains(lower(coalesce(f.description, '')), lower($search::varchar))
            or contains(lower(coalesce(f.handler, '')), lower($search::varchar))
            or contains(lower(coalesce(f.customer_id, '')), lower($search::varchar))
        )
)

select * from final
order by received_at desc, complaint_id
limit $limit
