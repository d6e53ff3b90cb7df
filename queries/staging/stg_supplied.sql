-- stg_supplied: which canonical input fields the source supplied, per resolved department
-- (domain brief §5 "not measured is not zero"). A field counts as supplied for a department
-- when at least one of the department's complaints (any date) has a value in it; a
-- department whose complaints all lack it was imported from a source without that column,
-- and the metrics needing it are not measured there (coverage = rows of supplying
-- departments / eligible rows).
-- Returns: department_id, sup_first_response, sup_resolution, sup_survey, sup_repeat
--   (customer and category, or repeat links), sup_group, sup_escalation, sup_compensation,
--   sup_concealed. Grain: department_id. Parameters: none.
select
    m.department_id,
    bool_or(c.first_response_at is not null) as sup_first_response,
    bool_or(c.resolved_at is not null) as sup_resolution,
    bool_or(c.satisfaction is not null) as sup_survey,
    (bool_or(c.customer_id is not null) and bool_or(c.category is not null))
    or bool_or(c.parent_complaint_id is not null) as sup_repeat,
    bool_or(c.customer_id is not null) and bool_or(c.category is not null) as sup_group,
    bool_or(c.escalation_level is not null) as sup_escalation,
    bool_or(c.compensation_type is not null or c.compensation_amount is not null)
        as sup_compensation,
    bool_or(c.concealed is not null) as sup_concealed,
from complaints as c
join stg_department_map as m on m.raw_department = c.department
group by m.department_id
