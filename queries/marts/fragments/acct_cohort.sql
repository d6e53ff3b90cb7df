-- fragment acct_cohort: the complaints of an accountability cohort (CTE `cohort`, one row per
-- complaint): received in [$start, $end) by $as_of and kept by the KPI filters
-- (cohort_filters), with the columns the accountability queries read. Needs the dept_scope
-- fragment's CTE; ends with a comma. Parameters: $start, $end, $as_of and the KPI filters.
cohort as (
    select
        complaint_id,
        received_at as complaint_received_at,
        cast(received_at as date) as received_date,
        department_id,
        coalesce(department_name_zh, department) as department,
        category,
        severity,
        escalation_level,
        is_valid,
        coalesce(is_excluded, false) as is_malicious,
        coalesce(is_valid, false) and not coalesce(is_excluded, false) as is_valid_scored,
    from stg_complaints as c
    where
        received_at >= $start
        and received_at < $end
        and received_at <= $as_of
-- include: cohort_filters
),
