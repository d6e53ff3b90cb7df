-- kpi_ladder_rows: the cohort's handling-ladder stages one row each (complaint x stage), with
-- the stage's state at the as-of (docs/definitions.md#handling-ladder): the drill-through of
-- the stage_<stage>_* metrics and the Handling ladder page's lists.
-- Grain: (complaint_id, stage). Parameters: as kpi_summary, plus $stage (varchar; null = all
--   stages). Only measured stages started by the as-of (as in kpi_ladder_stages).
-- state: 'on_time' (done within the limit), 'late' (done after it), 'skipped' (an escalation
--   tier without a time below the highest reached), 'overdue' (not done, due <= as-of),
--   'open' (not done, not yet due).
-- example: stage = 'classify'
with
-- include: kpi_cohort

final as (
    select
        f.complaint_id,
        f.received_at,
        f.department_id,
        f.department_name_zh,
        f.department_name_en,
        f.category,
        f.severity,
        f.channel,
        f.handler,
        f.root_cause,
        s.stage,
        s.stage_order,
        s.started_at,
        s.due_at,
        case when s.done_at <= $as_of::timestamp then s.done_at end as done_at,
        case when s.done_at <= $as_of::timestamp then s.duration_h end as duration_h,
        s.unit,
        s.limit_value,
        coalesce(s.done_at <= $as_of::timestamp, false) as is_done,
        coalesce(s.done_at <= $as_of::timestamp and s.on_time, false) as on_time_num,
        coalesce(s.done_at <= $as_of::timestamp, false)
        or coalesce(s.due_at <= $as_of::timestamp, false) as on_time_den,
        case
            when s.done_at <= $as_of::timestamp and s.on_time then 'on_time'
            when s.done_at <= $as_of::timestamp then 'late'
            when s.skipped then 'skipped'
            when s.due_at <= $as_of::timestamp then 'overdue'
            else 'open'
        end as state,
    from flags as f
    join stg_stages as s on s.complaint_id = f.complaint_id
    where
        s.measured
        and s.started_at <= $as_of::timestamp
        and ($stage::varchar is null or s.stage = $stage::varchar)
        and s.received_at >= $start::timestamp
        and s.received_at < $end::timestamp
)

select * from final
order by received_at desc, complaint_id, stage_order
