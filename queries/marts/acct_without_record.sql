-- acct_without_record: valid complaints of the period without any penalty record (docs/definitions.md#accountability).
-- Returns: complaint_id, received_at, department_id, department, category, channel,
--          severity, handler, status, escalation_level, resolved_at, customer_name and
--          customer_phone (only filled when $personal is true; null otherwise).
-- Grain: complaint. Cohort: received_at in [$start, $end) and by $as_of (and the KPI
-- filters), is_valid true, not verified malicious.
-- Parameters: $start, $end, $as_of (timestamps), $f_department, $f_category, $f_channel,
-- $f_severity, $f_region, $f_product, $f_handler (varchar[]), $exclude_malicious (boolean):
-- the KPI filters (cohort_filters fragment), $personal (boolean).
with
-- include: dept_scope

final as (
select
    c.complaint_id,
    c.received_at,
    c.department_id,
    coalesce(c.department_name_zh, c.department) as department,
    c.category,
    c.channel,
    c.severity,
    c.handler,
    c.status,
    c.escalation_level,
    case when c.resolved_at <= $as_of then c.resolved_at end as resolved_at,
    case when $personal then c.customer_name end as customer_name,
    case when $personal then c.customer_phone end as customer_phone,
from stg_complaints as c
where
    c.received_at >= $start
    and c.received_at < $end
    and c.received_at <= $as_of
-- include: cohort_filters
    and coalesce(c.is_valid, false)
    and not coalesce(c.is_excluded, false)
    and not exists (
        -- a record's complaint_received_at is its complaint's received_at (stg_penalties.sql):
        -- the same bounds let the scan skip other periods' row groups
        select 1 from stg_penalties as p
        where
            p.complaint_id = c.complaint_id
            and p.complaint_received_at >= $start
            and p.complaint_received_at < $end
            and p.complaint_received_at <= $as_of
    )
)

select * from final
order by received_at, complaint_id
