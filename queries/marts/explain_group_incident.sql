-- explain_group_incident: one group incident (群体投诉) as staging formed it.
-- Returns: group_incident_id, department_id, department_name_zh, category,
--          first_received_at, last_received_at, qualified_at, n_complaints, n_customers,
--          rules_version (0 or 1 row).
-- Grain: group incident.
-- Parameters: $group_incident_id (varchar).
-- example: group_incident_id = "G1"
select
    group_incident_id,
    department_id,
    department_name_zh,
    category,
    first_received_at,
    last_received_at,
    qualified_at,
    n_complaints,
    n_customers,
    rules_version,
from stg_group_incidents
where group_incident_id = $group_incident_id
