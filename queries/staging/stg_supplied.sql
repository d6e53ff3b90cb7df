-- stg_supplied: which canonical input fields the source supplied, per resolved department
-- (domain brief §5 "not measured is not zero"): a metric needing a field its department's
-- source did not supply is computed without that department's complaints (coverage) and is
-- null, "not measured", when none supplied it.
-- Rule: the importer records per department (as exported) the canonical columns of each file
--   it imported (meta keys 'supplied:<department>', the union over the imports); a department
--   with such a record supplied exactly those columns. Complaints written without an import
--   record (the demo generator, tests) fall back to the data: a field is supplied when any
--   complaint of the database has a value in it.
-- Returns: department_id, sup_first_response, sup_resolution, sup_survey, sup_repeat
--   (customer and category, or repeat links), sup_group (customer and category),
--   sup_escalation, sup_compensation, sup_concealed, and for the handling ladder
--   (stg_stages) sup_<column> of each stage column, sup_ladder_escalation (any tier time),
--   sup_root_cause, sup_malicious. Grain: department_id. Parameters: none.
with
recorded as (
    select
        m.department_id,
        list_distinct(flatten(list(string_split(x.value, ',')))) as fields,
    from meta as x
    join stg_department_map as m on m.raw_department = substr(x.key, length('supplied:') + 1)
    where starts_with(x.key, 'supplied:')
    group by m.department_id
),

in_data as (
    -- the fallback: fields with a value anywhere in the data
    select
        bool_or(c.first_response_at is not null) as first_response_at,
        bool_or(c.resolved_at is not null) as resolved_at,
        bool_or(c.satisfaction is not null) as satisfaction,
        bool_or(c.customer_id is not null) as customer_id,
        bool_or(c.category is not null) as category,
        bool_or(c.parent_complaint_id is not null) as parent_complaint_id,
        bool_or(c.escalation_level is not null) as escalation_level,
        bool_or(c.compensation_type is not null) as compensation_type,
        bool_or(c.compensation_amount is not null) as compensation_amount,
        bool_or(c.concealed is not null) as concealed,
        bool_or(c.acknowledged_at is not null) as acknowledged_at,
        bool_or(c.classified_at is not null) as classified_at,
        bool_or(c.responsibility_assigned_at is not null) as responsibility_assigned_at,
        bool_or(c.investigation_started_at is not null) as investigation_started_at,
        bool_or(c.manager_contacted_at is not null) as manager_contacted_at,
        bool_or(c.escalated_t1_at is not null) as escalated_t1_at,
        bool_or(c.escalated_t2_at is not null) as escalated_t2_at,
        bool_or(c.escalated_t3_at is not null) as escalated_t3_at,
        bool_or(c.surveyed_at is not null) as surveyed_at,
        bool_or(c.return_visit_outcome is not null) as return_visit_outcome,
        bool_or(c.revisited_at is not null) as revisited_at,
        bool_or(c.revisit_outcome is not null) as revisit_outcome,
        bool_or(c.record_completed_at is not null) as record_completed_at,
        bool_or(c.root_cause is not null) as root_cause,
        bool_or(c.is_malicious is not null) as is_malicious,
    from complaints as c
),

supplied as (
    select
        d.department_id,
        coalesce(list_contains(r.fields, 'first_response_at'), i.first_response_at)
            as first_response_at,
        coalesce(list_contains(r.fields, 'resolved_at'), i.resolved_at) as resolved_at,
        coalesce(list_contains(r.fields, 'satisfaction'), i.satisfaction) as satisfaction,
        coalesce(list_contains(r.fields, 'customer_id'), i.customer_id) as customer_id,
        coalesce(list_contains(r.fields, 'category'), i.category) as category,
        coalesce(list_contains(r.fields, 'parent_complaint_id'), i.parent_complaint_id)
            as parent_complaint_id,
        coalesce(list_contains(r.fields, 'escalation_level'), i.escalation_level)
            as escalation_level,
        coalesce(list_contains(r.fields, 'compensation_type'), i.compensation_type)
            as compensation_type,
        coalesce(list_contains(r.fields, 'compensation_amount'), i.compensation_amount)
            as compensation_amount,
        coalesce(list_contains(r.fields, 'concealed'), i.concealed) as concealed,
        coalesce(list_contains(r.fields, 'acknowledged_at'), i.acknowledged_at) as acknowledged_at,
        coalesce(list_contains(r.fields, 'classified_at'), i.classified_at) as classified_at,
        coalesce(list_contains(r.fields, 'responsibility_assigned_at'), i.responsibility_assigned_at) as responsibility_assigned_at,
        coalesce(list_contains(r.fields, 'investigation_started_at'), i.investigation_started_at) as investigation_started_at,
        coalesce(list_contains(r.fields, 'manager_contacted_at'), i.manager_contacted_at) as manager_contacted_at,
        coalesce(list_contains(r.fields, 'escalated_t1_at'), i.escalated_t1_at) as escalated_t1_at,
        coalesce(list_contains(r.fields, 'escalated_t2_at'), i.escalated_t2_at) as escalated_t2_at,
        coalesce(list_contains(r.fields, 'escalated_t3_at'), i.escalated_t3_at) as escalated_t3_at,
        coalesce(list_contains(r.fields, 'surveyed_at'), i.surveyed_at) as surveyed_at,
        coalesce(list_contains(r.fields, 'return_visit_outcome'), i.return_visit_outcome) as return_visit_outcome,
        coalesce(list_contains(r.fields, 'revisited_at'), i.revisited_at) as revisited_at,
        coalesce(list_contains(r.fields, 'revisit_outcome'), i.revisit_outcome) as revisit_outcome,
        coalesce(list_contains(r.fields, 'record_completed_at'), i.record_completed_at) as record_completed_at,
        coalesce(list_contains(r.fields, 'root_cause'), i.root_cause) as root_cause,
        coalesce(list_contains(r.fields, 'is_malicious'), i.is_malicious) as is_malicious,
    from (select distinct department_id from stg_department_map) as d
    cross join in_data as i
    left join recorded as r on r.department_id = d.department_id
)

select
    department_id,
    coalesce(first_response_at, false) as sup_first_response,
    coalesce(resolved_at, false) as sup_resolution,
    coalesce(satisfaction, false) as sup_survey,
    coalesce((customer_id and category) or parent_complaint_id, false) as sup_repeat,
    coalesce(customer_id and category, false) as sup_group,
    coalesce(escalation_level, false) as sup_escalation,
    coalesce(compensation_type or compensation_amount, false) as sup_compensation,
    coalesce(concealed, false) as sup_concealed,
    coalesce(acknowledged_at, false) as sup_acknowledged,
    coalesce(classified_at, false) as sup_classified,
    coalesce(responsibility_assigned_at, false) as sup_responsibility_assigned,
    coalesce(investigation_started_at, false) as sup_investigation_started,
    coalesce(manager_contacted_at, false) as sup_manager_contacted,
    coalesce(surveyed_at, false) as sup_surveyed,
    coalesce(return_visit_outcome, false) as sup_return_visit_outcome,
    coalesce(revisited_at, false) as sup_revisited,
    coalesce(revisit_outcome, false) as sup_revisit_outcome,
    coalesce(record_completed_at, false) as sup_record_completed,
    coalesce(root_cause, false) as sup_root_cause,
    coalesce(is_malicious, false) as sup_malicious,
    coalesce(escalated_t1_at or escalated_t2_at or escalated_t3_at, false)
        as sup_ladder_escalation,
from supplied
