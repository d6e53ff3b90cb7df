-- acct_repeat_after_penalty: penalties followed by a repeat (docs/definitions.md#repeat_after_penalty), one
-- row per (penalty record, recurring complaint).
-- Returns: penalty_id, complaint_id (the penalised complaint), category, person,
--          department_id, department (responsible department), measure, executed_at,
--          repeat_after_penalty_days (the record's rule version), repeat_complaint_id, repeat_received_at, days_after (received date − executed_at).
-- Grain: penalty record × recurring complaint. Penalty records of the complaints received
-- in [$start, $end) by $as_of (and the KPI filters), executed
-- by the as-of; recurring complaint: valid, not verified malicious, received by the as-of,
-- same department_id as the record's responsible department, same category as the
-- penalised complaint, received on day 1..repeat_after_penalty_days after executed_at (a complaint on
-- the execution day itself does not count: its time of day is unknown relative to it).
-- Parameters: $start, $end, $as_of (timestamps), $f_department, $f_category, $f_channel,
-- $f_severity, $f_region, $f_product, $f_handler (varchar[]), $exclude_malicious (boolean): the
-- KPI filters, applied by the cohort_filters fragment (docs/definitions.md#accountability).
with
-- include: dept_scope

cohort as (
    select complaint_id, category,
    from stg_complaints as c
    where
        received_at >= $start
        and received_at < $end
        and received_at <= $as_of
-- include: cohort_filters
),

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

-- the receipt range any recurring complaint lies in (implied by the join below): bounds the
-- scan of stg_complaints to those days instead of the whole history
recur_window as (
    select
        cast(min(executed_at) + 1 as timestamp) as lo,
        cast(max(executed_at + cast(repeat_after_penalty_days as integer) + 1) as timestamp) as hi,
    from records
),

final as (
    select
        r.*,
        c.complaint_id as repeat_complaint_id,
        c.received_at as repeat_received_at,
        datediff('day', r.executed_at, cast(c.received_at as date)) as days_after,
    from records as r
    cross join recur_window as w
    inner join stg_complaints as c
        on
            c.department_id = r.department_id
            and c.category = r.category
            and cast(c.received_at as date) > r.executed_at
            and cast(c.received_at as date) <= r.executed_at + cast(r.repeat_after_penalty_days as integer)
    where
        c.received_at >= w.lo
        and c.received_at < w.hi
        and c.received_at <= $as_of
        and coalesce(c.is_valid, false)
        and not coalesce(c.is_excluded, false)
        and c.complaint_id <> r.complaint_id
)

select * from final
order by executed_at, penalty_id, repeat_received_at, repeat_complaint_id
