-- stg_penalties: penalty records (责任追究记录) with the resolved department, the complaint's
-- facts and the derived accountability deadlines.
-- Returns: all penalty columns, department_id, department_name_zh, department_name_en,
--   complaint_received_at, complaint_department_id, complaint_category, complaint_severity,
--   complaint_escalation_level, complaint_is_valid, complaint_is_malicious,
--   complaint_is_excluded, rules_version
--   (in force at the complaint's received_at, else at investigation_end), accountability_days,
--   accountability_due (investigation_end + days by responsibility type), joint_fine (the
--   record's joint_fine_amount, else share x fine when the complaint reached the joint-
--   liability escalation level, else 0), joint_fine_derived, publication_end
--   (publicized_from + publication days), repeat_after_penalty_days.
-- Grain: penalty_id. Parameters: none.
with
base as (
    select
        p.*,
        m.department_id,
        m.department_name_zh,
        m.department_name_en,
        c.received_at as complaint_received_at,
        cm.department_id as complaint_department_id,
        c.category as complaint_category,
        c.severity as complaint_severity,
        c.escalation_level as complaint_escalation_level,
        c.is_valid as complaint_is_valid,
        c.is_malicious as complaint_is_malicious,
        coalesce(c.is_malicious, false) as complaint_is_excluded,
        coalesce(c.received_at, p.investigation_end::timestamp, p.decided_at::timestamp)
            as rules_at,
    from penalties as p
    left join stg_department_map as m on m.raw_department = p.department
    left join complaints as c on c.complaint_id = p.complaint_id
    left join stg_department_map as cm on cm.raw_department = c.department
),

versioned as (
    -- the calendar spans every complaint and penalty date, each day with its rule version
    select b.*, r.*
    from base as b
    left join stg_calendar as day on day.cal_date = b.rules_at::date
    left join stg_rules as r on r.rules_version = day.rules_version
),

final as (
    select
        v.* exclude (
            rules_at,
            valid_from,
            effective_from,
            effective_to,
            multi_department_days,
            repeat_window_h,
            group_min_customers,
            group_window_h,
            acc_employee_days,
            acc_management_days,
            acc_institutional_days,
            joint_liability_share,
            joint_liability_min_level,
            publication_days,
            repeat_after_penalty_days,
            scoring_base
        ),
        case v.responsibility_type
            when 'management' then v.acc_management_days
            when 'institutional' then v.acc_institutional_days
            else v.acc_employee_days
        end as accountability_days,
        (
            v.investigation_end
            + to_days(
                case v.responsibility_type
                    when 'management' then v.acc_management_days
                    when 'institutional' then v.acc_institutional_days
                    else v.acc_employee_days
                end
            )
        )::date as accountability_due,
        case
            when v.joint_fine_amount is not null then v.joint_fine_amount
            when v.complaint_escalation_level >= v.joint_liability_min_level
                then round(coalesce(v.fine_amount, 0) * v.joint_liability_share, 2)
            else 0
        end::decimal(14, 2) as joint_fine,
        v.joint_fine_amount is null
        and coalesce(v.complaint_escalation_level >= v.joint_liability_min_level, false)
            as joint_fine_derived,
        (v.publicized_from + to_days(v.publication_days))::date as publication_end,
        v.repeat_after_penalty_days,
    from versioned as v
)

select * from final
order by penalty_id
