-- stg_stages: the handling ladder (docs/definitions.md#handling-ladder), one row per
-- complaint x stage that applies to it, with the stage's limit, due time, done time and
-- whether it was done within the limit. As-of independent (the marts apply the as-of).
-- Grain: (complaint_id, stage). Parameters: none.
-- Reads stg_complaints, stg_rules_stages (written by staging from rules.StageLimit),
-- stg_calendar, stg_supplied. Rules: the version in force at received_at.
-- A stage applies when its rule gives the complaint's grade a limit (null severity is
-- 'general'), and:
--   acknowledge, classify, assign, investigate, resolve: every complaint, from received_at;
--   manager_contact: the grades with a limit (shipped: major), from received_at;
--   escalate_t1..t3: complaints with any tier time, the tiers up to the highest reached,
--     from received_at; a lower tier without a time is `skipped` (done_at null);
--   return_visit, record: resolved complaints, from resolved_at;
--   revisit: complaints dissatisfied at the return visit (satisfaction <= 2 or
--     return_visit_outcome 'unresolved'), from surveyed_at.
-- Limits: unit 'hours' = started_at + limit clock hours; 'working_days' = 24:00 of the
--   limit-th working day after the start day (stg_calendar: make-up days count).
-- measured: the department's source supplied the stage's timestamp (stg_supplied); a stage
--   that is not measured is never late ("not measured", not zero).
-- received_at: the complaint's, so a mart reads only its cohort's receipt window.
-- Returns: complaint_id, department_id, severity, rules_version, received_at, stage, stage_order,
--   started_at, done_at, unit, limit_value, due_at, duration_h, on_time (null when not
--   done), skipped, measured.
with
c as (
    select
        s.complaint_id,
        s.department_id,
        s.severity,
        s.rules_version,
        s.received_at,
        s.acknowledged_at,
        s.classified_at,
        s.responsibility_assigned_at,
        s.investigation_started_at,
        s.manager_contacted_at,
        s.escalated_t1_at,
        s.escalated_t2_at,
        s.escalated_t3_at,
        s.resolved_at,
        s.surveyed_at,
        s.revisited_at,
        s.record_completed_at,
        s.satisfaction,
        s.return_visit_outcome,
        case
            when s.escalated_t3_at is not null then 3
            when s.escalated_t2_at is not null then 2
            when s.escalated_t1_at is not null then 1
            else 0
        end as top_tier,
        sp.sup_acknowledged,
        sp.sup_classified,
        sp.sup_responsibility_assigned,
        sp.sup_investigation_started,
        sp.sup_manager_contacted,
        sp.sup_ladder_escalation,
        sp.sup_resolution,
        sp.sup_surveyed,
        sp.sup_revisited,
        sp.sup_record_completed,
    from stg_complaints as s
    left join stg_supplied as sp on sp.department_id = s.department_id
),

spans as (
    select 'acknowledge' as stage, received_at as started_at,
        acknowledged_at as done_at, sup_acknowledged as measured, true as applies, c.*
    from c
    union all
    select 'classify' as stage, received_at as started_at,
        classified_at as done_at, sup_classified as measured, true as applies, c.*
    from c
    union all
    select 'assign' as stage, received_at as started_at,
        responsibility_assigned_at as done_at, sup_responsibility_assigned as measured,
        true as applies, c.*
    from c
    union all
    select 'investigate' as stage, received_at as started_at,
        investigation_started_at as done_at, sup_investigation_started as measured,
        true as applies, c.*
    from c
    union all
    select 'manager_contact' as stage, received_at as started_at,
        manager_contacted_at as done_at, sup_manager_contacted as measured, true as applies, c.*
    from c
    union all
    select 'escalate_t1' as stage, received_at as started_at,
        escalated_t1_at as done_at, sup_ladder_escalation as measured, top_tier >= 1 as applies,
        c.*
    from c
    union all
    select 'escalate_t2' as stage, received_at as started_at,
        escalated_t2_at as done_at, sup_ladder_escalation as measured, top_tier >= 2 as applies,
        c.*
    from c
    union all
    select 'escalate_t3' as stage, received_at as started_at,
        escalated_t3_at as done_at, sup_ladder_escalation as measured, top_tier >= 3 as applies,
        c.*
    from c
    union all
    select 'resolve' as stage, received_at as started_at,
        resolved_at as done_at, sup_resolution as measured, true as applies, c.*
    from c
    union all
    select 'return_visit' as stage, resolved_at as started_at,
        surveyed_at as done_at, sup_surveyed as measured, resolved_at is not null as applies, c.*
    from c
    union all
    select 'revisit' as stage, surveyed_at as started_at,
        revisited_at as done_at, sup_revisited as measured,
        surveyed_at is not null
        and (coalesce(satisfaction <= 2, false) or return_visit_outcome = 'unresolved')
            as applies,
        c.*
    from c
    union all
    select 'record' as stage, resolved_at as started_at,
        record_completed_at as done_at, sup_record_completed as measured,
        resolved_at is not null as applies, c.*
    from c
),

limited as (
    select
        s.complaint_id,
        s.department_id,
        s.severity,
        s.rules_version,
        s.received_at,
        s.stage,
        r.stage_order,
        s.started_at,
        s.done_at,
        r.unit,
        r.limit_value,
        coalesce(s.measured, false) as measured,
        s.stage like 'escalate_t%' and s.done_at is null as skipped,
    from spans as s
    join stg_rules_stages as r
        on
            r.rules_version = s.rules_version
            and r.stage = s.stage
            and r.severity = coalesce(s.severity, 'general')
    where s.applies
)

select
    l.complaint_id,
    l.department_id,
    l.severity,
    l.rules_version,
    l.received_at,
    l.stage,
    l.stage_order,
    l.started_at,
    l.done_at,
    l.unit,
    l.limit_value,
    case
        when l.unit = 'hours' then l.started_at + to_seconds(l.limit_value * 3600)
        else wd.cal_date::timestamp + interval 1 day
    end as due_at,
    (epoch_us(l.done_at) - epoch_us(l.started_at)) / 3600e6 as duration_h,
    case
        when l.done_at is null then null
        when l.unit = 'hours'
            then l.done_at <= l.started_at + to_seconds(l.limit_value * 3600)
        else l.done_at < wd.cal_date::timestamp + interval 1 day
    end as on_time,
    l.skipped,
    l.measured,
from limited as l
left join stg_calendar as sd on sd.cal_date = cast(l.started_at as date)
left join stg_calendar as wd
    on l.unit = 'working_days' and wd.wd_seq = sd.wd_seq + l.limit_value::bigint and wd.is_working
