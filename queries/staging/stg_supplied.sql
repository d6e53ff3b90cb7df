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
--   sup_escalation, sup_compensation, sup_concealed. Grain: department_id. Parameters: none.
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
from supplied
