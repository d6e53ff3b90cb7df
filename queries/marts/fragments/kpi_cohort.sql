-- fragment kpi_cohort: the common table expressions of a KPI cohort (dept_scope ... flags),
-- included by kpi_cohort.sql and kpi_summary.sql with the line `-- include: kpi_cohort`
-- (expanded by queries.store.sql_file), so the cohort is defined once.
-- Parameters: $start, $end, $as_of, $f_department, $f_category, $f_channel, $f_severity,
--   $f_region, $f_product, $f_handler, $exclude_malicious (see the including files).
-- The /*fanout*/ marker (empty) lets the monthly KPI mart (queries/staging/kpi_month.py)
-- join each complaint to every department above it.
-- Ends with a comma: the including query continues with its own CTEs.
-- include: dept_scope

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
        -- measured: the department's source supplied the metric's input fields (stg_supplied)
        coalesce(sp.sup_resolution, false) as m_resolution,
        coalesce(sp.sup_first_response, false) as m_response,
        coalesce(sp.sup_survey, false) as m_survey,
        coalesce(sp.sup_repeat, false) as m_repeat,
        coalesce(sp.sup_group, false) as m_group,
        coalesce(sp.sup_escalation, false) as m_escalation,
        coalesce(sp.sup_compensation, false) as m_compensation,
    from stg_complaints as c
    /*fanout*/  /*fanout*/
    left join volume_scope as vs
        on vs.department_id = c.department_id
        and vs.month = date_trunc('month', c.received_date)
    left join stg_supplied as sp on sp.department_id = c.department_id
    where
        c.received_at >= $start::timestamp
        and c.received_at < $end::timestamp
        and c.received_at <= $as_of::timestamp
-- include: cohort_filters
),

flags as (
    -- as-of dependent facts: a timestamp after the as-of has not happened yet
    select
        *,
        is_resolved and coalesce(resolved_by_deadline, false) as on_time_num,
        m_resolution
        and (is_resolved or coalesce(resolution_deadline <= $as_of::timestamp, false))
        -- closed without a resolution time cannot be judged late: out of the on-time base
        and not closed_without_resolution as on_time_den,
        has_response and coalesce(responded_within_limit, false) as sla_num,
        m_response
        and (has_response or coalesce(response_due_at < $as_of::timestamp, false)) as sla_den,
        m_resolution and not is_resolved as is_open,
        m_resolution
        and not is_resolved
        -- closed without a resolution time is a data-quality warning, never overdue
        and not closed_without_resolution
        and coalesce(resolution_deadline < $as_of::timestamp, false) as is_overdue,
        coalesce(group_qualified_at <= $as_of::timestamp, false) as in_group_incident,
        satisfaction is not null
        and (surveyed_at <= $as_of::timestamp or (surveyed_at is null and is_resolved))
            as is_surveyed,
        coalesce(escalation_level >= 2, false) as is_escalated,
        compensation_type is not null or compensation_amount is not null as has_compensation,
    from cohort
),
