-- stg_group_incidents: group incidents (群体投诉), one row each.
-- Returns: group_incident_id, department_id, department_name_zh, category, first_received_at,
--   last_received_at, qualified_at, n_complaints, n_customers, rules_version (at the first
--   complaint). Grain: group_incident_id. Parameters: none.
select
    g.group_incident_id,
    any_value(m.department_id) as department_id,
    any_value(m.department_name_zh) as department_name_zh,
    any_value(c.category) as category,
    min(c.received_at) as first_received_at,
    max(c.received_at) as last_received_at,
    min(g.group_qualified_at) as qualified_at,
    count(*) as n_complaints,
    count(distinct c.customer_id) as n_customers,
    arg_min(day.rules_version, c.received_at) as rules_version,
from stg_group_members as g
join complaints as c on c.complaint_id = g.complaint_id
join stg_department_map as m on m.raw_department = c.department
join stg_calendar as day on day.cal_date = c.received_at::date
group by g.group_incident_id
