-- void_complaints: complaints whose status voids them (withdrawn / duplicate / cancelled,
-- schema.VOID_STATUSES), counted on their own: they are in no KPI cohort and not in the
-- backlog (kpi_cohort fragment, kpi_at_risk).
-- Grain: status. Parameters: $start, $end (date; [start, end) on received_at).
select status, count(*) as "count"
from stg_complaints
where is_void and received_at >= $start::timestamp and received_at < $end::timestamp
group by status
order by status
