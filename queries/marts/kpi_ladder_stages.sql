-- kpi_ladder_stages: per group and handling-ladder stage (docs/definitions.md#handling-ladder)
-- the on-time counts and durations of the cohort's stages (stg_stages).
-- Grain: (dim, stage). Python (kpi.kpis) swaps /*dim*/ as in kpi_summary and pivots the rows
--   into the stage_<stage>_* columns.
-- Parameters: as kpi_summary ($start, $end, $as_of, $f_*, $exclude_malicious).
-- A stage counts when the department's source supplied its timestamp (measured) and it has
--   started by the as-of. Done: done_at <= as-of. On-time base: done, or due_at <= as-of
--   (a stage not done by its due time is late; a skipped escalation tier too). Durations:
--   over the stages done, exact hours. n_supplied: cohort complaints whose source supplied the
--   stage's timestamp (coverage; 0 = not measured).
with
-- include: kpi_cohort

supplied as (
    select
        f.dim,
        count(*) filter (where sp.sup_acknowledged) as acknowledge,
        count(*) filter (where sp.sup_classified) as classify,
        count(*) filter (where sp.sup_responsibility_assigned) as assign,
        count(*) filter (where sp.sup_investigation_started) as investigate,
        count(*) filter (where sp.sup_manager_contacted) as manager_contact,
        count(*) filter (where sp.sup_ladder_escalation) as escalate_t1,
        count(*) filter (where sp.sup_ladder_escalation) as escalate_t2,
        count(*) filter (where sp.sup_ladder_escalation) as escalate_t3,
        count(*) filter (where sp.sup_resolution) as resolve,
        count(*) filter (where sp.sup_surveyed) as return_visit,
        count(*) filter (where sp.sup_revisited) as revisit,
        count(*) filter (where sp.sup_record_completed) as record,
    from flags as f
    left join stg_supplied as sp on sp.department_id = f.department_id
    group by f.dim
),

supplied_long as (
    unpivot supplied on columns(* exclude (dim)) into name stage value n_supplied
),

rows as (
    select
        f.dim,
        s.stage,
        s.duration_h,
        s.skipped,
        s.done_at is not null and s.done_at <= $as_of::timestamp as is_done,
        s.done_at is not null and s.done_at <= $as_of::timestamp and s.on_time as on_time_num,
        (s.done_at is not null and s.done_at <= $as_of::timestamp)
        or s.due_at <= $as_of::timestamp as on_time_den,
    from flags as f
    join stg_stages as s on s.complaint_id = f.complaint_id
    where
        s.measured
        and s.started_at <= $as_of::timestamp
        -- the cohort's receipt window (the table is read by row group)
        and s.received_at >= $start::timestamp
        and s.received_at < $end::timestamp
),

agg as (
    select
        dim,
        stage,
        count(*) filter (where on_time_num) as n_on_time_num,
        count(*) filter (where on_time_den) as n_on_time,
        count(*) filter (where is_done) as n_done,
        quantile_cont(case when is_done then duration_h end, 0.5) as median_h,
        quantile_cont(case when is_done then duration_h end, 0.9) as p90_h,
    from rows
    group by dim, stage
)

select
    s.dim,
    s.stage,
    s.n_supplied,
    coalesce(a.n_on_time_num, 0) as n_on_time_num,
    coalesce(a.n_on_time, 0) as n_on_time,
    coalesce(a.n_done, 0) as n_done,
    a.n_on_time_num / nullif(a.n_on_time, 0) as on_time_rate,
    a.median_h,
    a.p90_h,
from supplied_long as s
left join agg as a on a.dim is not distinct from s.dim and a.stage = s.stage
order by s.dim nulls last, s.stage
