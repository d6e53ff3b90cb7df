-- kpi_ladder: the handling-ladder metrics of a cohort that are not per stage
-- (docs/definitions.md#handling-ladder), one row per group (column dim; 'all' ungrouped).
-- Grain: dim. Python (kpi.kpis) swaps /*dim*/ as in kpi_summary and joins the columns on.
-- Parameters: as kpi_summary, plus $rc_start (timestamp: the recurring-root-cause window is
--   [rc_start, end), the rule's recurring_months), $rc_min (recurring_min_complaints),
--   $cu_min (consecutive_unresolved.min_in_row).
-- Measured (stg_supplied): each count is over the complaints whose source supplied its
--   input column; a rate with no such complaint is null ("not measured").
-- example: rc_start = '2025-08-01 00:00:00'
-- example: rc_min = 3
-- example: cu_min = 2
with
-- include: kpi_cohort

base as (
    select
        f.*,
        coalesce(sp.sup_ladder_escalation, false) as m_ladder,
        coalesce(sp.sup_return_visit_outcome, false) as m_visit_outcome,
        coalesce(sp.sup_revisited, false) as m_revisit,
        coalesce(sp.sup_revisit_outcome, false) as m_revisit_outcome,
        coalesce(sp.sup_malicious, false) as m_malicious,
        coalesce(sp.sup_root_cause, false) as m_root_cause,
        coalesce(
            sp.sup_acknowledged
            and sp.sup_classified
            and sp.sup_responsibility_assigned
            and sp.sup_resolution
            and sp.sup_surveyed,
            false
        ) as m_time_share,
        f.surveyed_at <= $as_of::timestamp as visited,
        f.revisited_at <= $as_of::timestamp as revisited,
    from flags as f
    left join stg_supplied as sp on sp.department_id = f.department_id
),

escalation as (
    -- per complaint: tiers reached by the as-of, on time, and skipped (a lower tier without a
    -- time below the highest tier reached)
    select
        s.complaint_id,
        count(*) filter (where s.done_at <= $as_of::timestamp) as n_reached,
        count(*) filter (where s.done_at <= $as_of::timestamp and s.on_time) as n_reached_on_time,
        count(*) filter (where s.skipped) as n_skipped,
    from stg_stages as s
    where
        s.stage in ('escalate_t1', 'escalate_t2', 'escalate_t3')
        and s.measured
        -- the cohort's receipt window (the table is read by row group)
        and s.received_at >= $start::timestamp
        and s.received_at < $end::timestamp
    group by s.complaint_id
),

phases as (
    -- stage time shares: complaints with every milestone by the as-of, in order
    select
        b.dim,
        b.complaint_id,
        epoch(b.acknowledged_at - b.received_at) as receive_s,
        epoch(b.classified_at - b.acknowledged_at) as classify_s,
        epoch(b.responsibility_assigned_at - b.classified_at) as investigate_s,
        epoch(b.resolved_at - b.responsibility_assigned_at) as resolve_s,
        epoch(
            greatest(b.surveyed_at, case when b.revisited then b.revisited_at end)
            - b.resolved_at
        ) as follow_up_s,
    from base as b
    where
        b.m_time_share
        and b.visited
        and b.is_resolved
        and b.received_at <= b.acknowledged_at
        and b.acknowledged_at <= b.classified_at
        and b.classified_at <= b.responsibility_assigned_at
        and b.responsibility_assigned_at <= b.resolved_at
        and b.resolved_at <= b.surveyed_at
),

rc_window as (
    -- root causes with at least $rc_min complaints in [rc_start, end) (filters applied)
    select c.root_cause
    from stg_complaints as c
    where
        c.root_cause is not null
        and c.received_at >= $rc_start::timestamp
        and c.received_at < $end::timestamp
        and c.received_at <= $as_of::timestamp
-- include: cohort_filters
    group by c.root_cause
    having count(*) >= $rc_min
),

problems as (
    select distinct b.customer_id, b.category
    from base as b
    where b.m_repeat and b.customer_id is not null and b.category is not null
),

history as (
    -- every complaint of those customers and categories up to the as-of, with "unresolved":
    -- the (re-)visit found it unresolved, or it is open past its resolution deadline
    select
        c.complaint_id,
        c.customer_id,
        c.category,
        c.received_at,
        coalesce(c.return_visit_outcome = 'unresolved' and c.surveyed_at <= $as_of::timestamp,
            false)
        or coalesce(c.revisit_outcome = 'unresolved' and c.revisited_at <= $as_of::timestamp,
            false)
        or (
            not coalesce(c.resolved_at <= $as_of::timestamp, false)
            and not c.closed_without_resolution
            and coalesce(c.resolution_deadline <= $as_of::timestamp, false)
        ) as unresolved,
    from stg_complaints as c
    join problems as p on p.customer_id = c.customer_id and p.category = c.category
    where c.received_at <= $as_of::timestamp and not c.is_void
),

runs as (
    select
        h.*,
        sum(case when h.unresolved then 0 else 1 end) over (
            partition by h.customer_id, h.category
            order by h.received_at, h.complaint_id
            rows between unbounded preceding and current row
        ) as run_id,
    from history as h
),

in_row as (
    select
        r.complaint_id,
        r.customer_id,
        r.category,
        case
            when r.unresolved
                then count(*) over (
                    partition by r.customer_id, r.category, r.run_id
                    order by r.received_at, r.complaint_id
                    rows between unbounded preceding and current row
                ) - (case when r.run_id > 0 then 1 else 0 end)
            else 0
        end as unresolved_in_row,
    from runs as r
),

agg as (
    select
        b.dim,
        count(*) filter (where e.n_reached > 0) as n_escalated_ladder,
        count(*) filter (
            where e.n_reached > 0 and e.n_skipped = 0 and e.n_reached_on_time = e.n_reached
        ) as n_escalation_compliant,
        count(*) filter (where e.n_reached > 0 and e.n_skipped > 0) as escalation_skipped,
        count(*) filter (where b.m_ladder) as n_measured_ladder_escalation,
        count(*) filter (where b.m_visit_outcome and b.visited and b.return_visit_outcome
            is not null) as n_visit_outcome,
        count(*) filter (where b.m_visit_outcome and b.visited
            and b.return_visit_outcome = 'resolved') as n_visit_resolved,
        count(*) filter (where b.m_visit_outcome) as n_measured_visit_outcome,
        count(*) filter (where b.m_revisit and b.visited
            and (b.satisfaction <= 2 or b.return_visit_outcome = 'unresolved')) as n_revisit_due,
        count(*) filter (where b.m_revisit and b.visited
            and (b.satisfaction <= 2 or b.return_visit_outcome = 'unresolved')
            and b.revisited) as n_revisited,
        count(*) filter (where b.m_revisit) as n_measured_revisit,
        count(*) filter (where b.m_revisit_outcome and b.revisited
            and b.revisit_outcome is not null) as n_revisit_outcome,
        count(*) filter (where b.m_revisit_outcome and b.revisited
            and b.revisit_outcome = 'resolved') as n_revisit_resolved,
        count(*) filter (where b.m_revisit_outcome) as n_measured_revisit_outcome,
        count(*) filter (where b.m_malicious and b.is_malicious is not null) as n_malicious_known,
        count(*) filter (where b.m_malicious and b.is_malicious) as n_malicious,
        count(*) filter (where b.m_root_cause and b.root_cause is not null) as n_root_cause,
        count(*) filter (where b.m_root_cause and b.root_cause in (select root_cause from rc_window))
            as n_recurring_root_cause,
        count(*) filter (where b.m_root_cause) as n_measured_root_cause,
        count(*) filter (where b.m_time_share) as n_measured_time_share,
        count(*) filter (where b.m_repeat) as n_measured_repeat_ladder,
        count(distinct case when ir.unresolved_in_row >= $cu_min
            then b.customer_id || chr(31) || b.category end) as consecutive_unresolved,
    from base as b
    left join escalation as e on e.complaint_id = b.complaint_id
    left join in_row as ir on ir.complaint_id = b.complaint_id
    group by b.dim
),

shares as (
    select
        dim,
        count(*) as n_time_share,
        sum(receive_s + classify_s + investigate_s + resolve_s + follow_up_s) as total_s,
        sum(receive_s) as receive_s,
        sum(classify_s) as classify_s,
        sum(investigate_s) as investigate_s,
        sum(resolve_s) as resolve_s,
        sum(follow_up_s) as follow_up_s,
    from phases
    group by dim
)

select
    a.dim,
    a.n_escalation_compliant / nullif(a.n_escalated_ladder, 0) as escalation_compliance_rate,
    case when a.n_measured_ladder_escalation > 0 then a.escalation_skipped end
        as escalation_skipped,
    a.n_visit_resolved / nullif(a.n_visit_outcome, 0) as return_visit_resolved_rate,
    a.n_revisited / nullif(a.n_revisit_due, 0) as revisit_done_rate,
    a.n_revisit_resolved / nullif(a.n_revisit_outcome, 0) as revisit_resolved_rate,
    case when a.n_measured_repeat_ladder > 0 then a.consecutive_unresolved end
        as consecutive_unresolved,
    a.n_malicious / nullif(a.n_malicious_known, 0) as malicious_share,
    a.n_recurring_root_cause / nullif(a.n_root_cause, 0) as recurring_root_cause_share,
    s.receive_s / nullif(s.total_s, 0) as time_share_receive,
    s.classify_s / nullif(s.total_s, 0) as time_share_classify,
    s.investigate_s / nullif(s.total_s, 0) as time_share_investigate,
    s.resolve_s / nullif(s.total_s, 0) as time_share_resolve,
    s.follow_up_s / nullif(s.total_s, 0) as time_share_follow_up,
    a.n_escalated_ladder,
    a.n_escalation_compliant,
    a.n_measured_ladder_escalation,
    a.n_visit_outcome,
    a.n_visit_resolved,
    a.n_measured_visit_outcome,
    a.n_revisit_due,
    a.n_revisited,
    a.n_measured_revisit,
    a.n_revisit_outcome,
    a.n_revisit_resolved,
    a.n_measured_revisit_outcome,
    a.n_malicious_known,
    a.n_malicious,
    a.n_root_cause,
    a.n_recurring_root_cause,
    a.n_measured_root_cause,
    a.n_measured_time_share,
    coalesce(s.n_time_share, 0) as n_time_share,
from agg as a
left join shares as s on s.dim is not distinct from a.dim
