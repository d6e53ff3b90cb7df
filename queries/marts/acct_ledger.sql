-- acct_ledger: penalty records (docs/definitions.md#accountability) of the complaints received in the period,
-- with their as-of facts. Also the overdue and the appealed lists ($kind).
-- Returns: penalty_id, complaint_id, complaint_received_at, complaint_department_id,
--          complaint_department, category, severity, escalation_level, is_valid,
--          is_malicious (of the complaint); person, department_id, department (the
--          responsible department: name_zh, else the exported name), responsibility_type,
--          cause, measure, fine_amount, joint_fine_amount (as recorded), joint_fine (the
--          record's, else derived by staging, else 0), joint_fine_source ('record' |
--          'derived' | null), fines_total (fine + joint fine, nulls as 0), department_head,
--          investigation_end, accountability_due, decided_at and executed_at (null when
--          after the as-of: they do not exist yet), publicized_from, publication_end,
--          appeal_status, status, is_decided, decided_on_time, is_past_due,
--          in_on_time_denominator, is_overdue, days_overdue, is_appeal_open, is_appealed.
-- Grain: penalty record. Cohort: complaints with received_at in [$start, $end) and by
-- $as_of (and the KPI filters, applied in SQL by the cohort_filters fragment;
-- accountability.py through kpi.drill). Penalty records whose complaint is not in the
-- cohort (or not loaded) are left out.
-- Definitions (as-of date = the date of $as_of):
--   in_on_time_denominator: due date known and (decided by the as-of or due < as-of date)
--   decided_on_time: decided by the as-of and decided_at <= accountability_due
--   is_overdue: not decided by the as-of and accountability_due < as-of date
--   is_appealed: appeal_status set and not 'none'; is_appeal_open: appeal_status 'pending'
-- Parameters: $start, $end, $as_of (timestamps), $f_department, $f_category, $f_channel,
-- $f_severity, $f_region, $f_product, $f_handler (varchar[]), $exclude_malicious (boolean): the
-- KPI filters, applied by the cohort_filters fragment (docs/definitions.md#accountability), $kind ('ledger' | 'overdue' | 'appealed').
with
-- include: dept_scope

-- include: acct_cohort

records as (
    select
        p.penalty_id,
        p.complaint_id,
        k.complaint_received_at,
        k.department_id as complaint_department_id,
        k.department as complaint_department,
        k.category,
        k.severity,
        k.escalation_level,
        k.is_valid,
        k.is_malicious,
        p.person,
        p.department_id,
        p.department_name_zh as department,
        p.responsibility_type,
        p.cause,
        p.measure,
        cast(p.fine_amount as double) as fine_amount,
        cast(p.joint_fine_amount as double) as joint_fine_amount,
        cast(p.joint_fine as double) as joint_fine,
        case
            when p.joint_fine_amount is not null then 'record'
            when p.joint_fine_derived then 'derived'
        end as joint_fine_source,
        cast(coalesce(p.fine_amount, 0) + coalesce(p.joint_fine, 0) as double) as fines_total,
        p.department_head,
        p.investigation_end,
        p.accountability_due,
        case when p.decided_at <= cast($as_of as date) then p.decided_at end as decided_at,
        case when p.executed_at <= cast($as_of as date) then p.executed_at end as executed_at,
        p.publicized_from,
        p.publication_end,
        p.appeal_status,
        p.status,
    from stg_penalties as p
    inner join cohort as k on p.complaint_id = k.complaint_id
    where
        -- the cohort's receipt bounds on the record's copy of its complaint's received_at
        -- (the same value: stg_penalties.sql): the scan skips other periods' row groups
        p.complaint_received_at >= $start
        and p.complaint_received_at < $end
        and p.complaint_received_at <= $as_of
),

final as (
    select
        *,
        decided_at is not null as is_decided,
        coalesce(decided_at <= accountability_due, false) as decided_on_time,
        coalesce(accountability_due < cast($as_of as date), false) as is_past_due,
        accountability_due is not null
        and (decided_at is not null or accountability_due < cast($as_of as date))
            as in_on_time_denominator,
        decided_at is null and coalesce(accountability_due < cast($as_of as date), false)
            as is_overdue,
        case
            when decided_at is null and accountability_due < cast($as_of as date)
                then datediff('day', accountability_due, cast($as_of as date))
        end as days_overdue,
        coalesce(appeal_status = 'pending', false) as is_appeal_open,
        coalesce(appeal_status <> 'none', false) as is_appealed,
    from records
)

select * from final
where
    $kind = 'ledger'
    or ($kind = 'overdue' and is_overdue)
    or ($kind = 'appealed' and is_appealed)
order by complaint_received_at, complaint_id, penalty_id
