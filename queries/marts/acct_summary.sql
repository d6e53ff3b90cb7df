-- acct_summary: the accountability metrics (docs/definitions.md#accountability) for the complaints received
-- in the period, in total or by one dimension.
-- Returns: group_key varchar ('' when $by = 'none'), then the metrics:
--   accountability_coverage double  valid complaints with >= 1 penalty record / valid
--                                   complaints (malicious left out); null when no valid one
--   penalties bigint                penalty records
--   fines_total double              sum of fines plus joint-liability fines (CNY)
--   joint_fine double               sum of joint-liability fines (record's, else derived)
--   accountability_on_time_rate     decided on or before the due date / decided by the
--                     double        as-of or past due (due < as-of date); null when 0
--   accountability_overdue bigint   not decided by the as-of and due < as-of date
--   appeals_open bigint             appeal_status 'pending'
--   repeat_after_penalty bigint     penalty records executed by the as-of that are followed,
--                                   on days 1..repeat_after_penalty_days (rule version of the record) after executed_at, by a valid,
--                                   not malicious complaint received by the as-of in the
--                                   same (responsible) department and the category of the
--                                   penalised complaint
--   and the denominators/counts: n_valid, n_valid_with_record, n_on_time (decided or past
--   due), n_decided_on_time, n_decided, n_executed, fines (fines alone).
-- Grain: group_key. $by: 'none' | 'measure' | 'cause' | 'responsibility_type' | 'person' |
-- 'department'. Penalty metrics group by the record's value (department: the responsible
-- department's name_zh); accountability_coverage only exists for 'none' and 'department'
-- (by the complaint's department), else null.
-- Cohort and as-of facts exactly as acct_ledger.sql (tests keep them equal).
-- Parameters: $start, $end, $as_of (timestamps), $f_department, $f_category, $f_channel,
-- $f_severity, $f_region, $f_product, $f_handler (varchar[]), $exclude_malicious (boolean): the
-- KPI filters, applied by the cohort_filters fragment (docs/definitions.md#accountability), $by (varchar, allow-listed by accountability.py).
with
-- include: dept_scope

-- include: acct_cohort

records as (
    select
        p.penalty_id,
        p.complaint_id,
        k.category,
        p.department_id,
        case $by
            when 'measure' then p.measure
            when 'cause' then p.cause
            when 'responsibility_type' then p.responsibility_type
            when 'person' then p.person
            when 'department' then p.department_name_zh
            else ''
        end as group_key,
        coalesce(p.fine_amount, 0) as fine,
        coalesce(p.joint_fine, 0) as joint_fine,
        p.accountability_due,
        case when p.decided_at <= cast($as_of as date) then p.decided_at end as decided_at,
        case when p.executed_at <= cast($as_of as date) then p.executed_at end as executed_at,
        p.appeal_status,
        p.repeat_after_penalty_days,
        -- the penalised complaint itself, counted in daily_valid when it lies in the
        -- record's window (it is no recurrence of itself: taken off in recurred)
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
        -- the cohort's receipt bounds on the record's copy of its complaint's received_at
        -- (the same value: stg_penalties.sql): the scan skips other periods' row groups
        p.complaint_received_at >= $start
        and p.complaint_received_at < $end
        and p.complaint_received_at <= $as_of
),

executed as (
    select * from records where executed_at is not null
),

-- include: acct_recur_counts

recurred as (
    select penalty_id from recur_counts where n_recur > 0
),

penalty_groups as (
    select
        r.group_key,
        count(*) as penalties,
        sum(r.fine) as fines,
        sum(r.joint_fine) as joint_fine,
        count(*) filter (
            where r.accountability_due is not null
            and (r.decided_at is not null or r.accountability_due < cast($as_of as date))
        ) as n_on_time,
        count(*) filter (where r.decided_at <= r.accountability_due) as n_decided_on_time,
        count(*) filter (where r.decided_at is not null) as n_decided,
        count(*) filter (
            where r.decided_at is null and r.accountability_due < cast($as_of as date)
        ) as accountability_overdue,
        count(*) filter (where r.appeal_status = 'pending') as appeals_open,
        count(*) filter (where r.executed_at is not null) as n_executed,
        count(*) filter (where x.penalty_id is not null) as repeat_after_penalty,
    from records as r
    left join recurred as x on r.penalty_id = x.penalty_id
    group by r.group_key
),

coverage_groups as (
    select
        case $by when 'department' then k.department else '' end as group_key,
        count(*) as n_valid,
        count(*) filter (
            where k.complaint_id in (select r.complaint_id from records as r)
        ) as n_valid_with_record,
    from cohort as k
    where k.is_valid_scored and $by in ('none', 'department')
    group by 1
),

group_keys as (
    select group_key from penalty_groups
    union
    select group_key from coverage_groups
    union
    select '' as group_key where $by = 'none'
),

final as (
    select
        g.group_key,
        cast(c.n_valid_with_record as double) / nullif(c.n_valid, 0)
            as accountability_coverage,
        coalesce(p.penalties, 0) as penalties,
        cast(coalesce(p.fines, 0) + coalesce(p.joint_fine, 0) as double) as fines_total,
        cast(coalesce(p.joint_fine, 0) as double) as joint_fine,
        cast(p.n_decided_on_time as double) / nullif(p.n_on_time, 0)
            as accountability_on_time_rate,
        coalesce(p.accountability_overdue, 0) as accountability_overdue,
        coalesce(p.appeals_open, 0) as appeals_open,
        coalesce(p.repeat_after_penalty, 0) as repeat_after_penalty,
        c.n_valid,
        c.n_valid_with_record,
        coalesce(p.n_on_time, 0) as n_on_time,
        coalesce(p.n_decided_on_time, 0) as n_decided_on_time,
        coalesce(p.n_decided, 0) as n_decided,
        coalesce(p.n_executed, 0) as n_executed,
        cast(coalesce(p.fines, 0) as double) as fines,
    from group_keys as g
    left join penalty_groups as p on g.group_key is not distinct from p.group_key
    left join coverage_groups as c on g.group_key is not distinct from c.group_key
)

select * from final
order by penalties desc, group_key nulls last
