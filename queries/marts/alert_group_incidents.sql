-- alert_group_incidents: group incidents that qualified in ($since, $as_of].
-- Returns: group_incident_id, department (name_zh), category, first_received_at, qualified_at,
--   n_customers (counted by the as-of). Grain: group_incident_id.
-- Parameters: $since, $as_of (timestamp).
-- example: since = '2025-10-01 00:00:00'
with
members as (
    select
        c.group_incident_id,
        count(distinct c.customer_id) as n_customers,
    from stg_complaints as c
    where c.group_incident_id is not null and c.received_at <= $as_of::timestamp
    group by c.group_incident_id
),

final as (
    select
        g.group_incident_id,
        g.department_name_zh as department,
        g.category,
        g.first_received_at,
        g.qualified_at,
        m.n_customers,
    from stg_group_incidents as g
    join members as m on m.group_incident_id = g.group_incident_id
    where g.qualified_at > $since::timestamp and g.qualified_at <= $as_of::timestamp
)

select * from final
order by qualified_at, group_incident_id
