-- fragment acct_repeat_records: the executed penalty records of acct_repeat_after_penalty and
-- acct_repeat_after_penalty_count, as common table expressions (`cohort`, `records`,
-- `executed`); ends with a comma. Needs the dept_scope fragment's CTE. Records of the
-- complaints received in [$start, $end) by $as_of (and the KPI filters: cohort_filters),
-- executed by the as-of. Parameters: $start, $end, $as_of and the KPI filters.
-- include: acct_cohort

records as (
    select
        p.penalty_id,
        p.complaint_id,
        k.category,
        p.person,
        p.department_id,
        p.department_name_zh as department,
        p.measure,
        p.executed_at,
        p.repeat_after_penalty_days,
        -- the penalised complaint lies in its own window (it is no recurrence of itself)
        coalesce(
            k.is_valid_scored
            and k.department_id = p.department_id
            and k.category is not null
            and k.received_date > p.executed_at
            and k.received_date <= p.executed_at + cast(p.repeat_after_penalty_days as integer),
            false
        ) as self_in_window,
    from stg_penalties as p
    inner join cohort as k on p.complaint_id = k.complaint_id
    where
        p.executed_at <= cast($as_of as date)
        -- the cohort's receipt bounds on the record's copy of its complaint's received_at
        -- (the same value: stg_penalties.sql): the scan skips other periods' row groups
        and p.complaint_received_at >= $start
        and p.complaint_received_at < $end
        and p.complaint_received_at <= $as_of
),

executed as (
    select * from records
),
