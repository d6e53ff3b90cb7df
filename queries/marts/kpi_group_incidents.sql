-- kpi_group_incidents: group incidents (群体投诉, docs/definitions.md#group-complaints) by id, described by their member
-- complaints received by the as-of.
-- Returns: group_incident_id, department_id, department_name_zh, category,
--   first_received_at, last_received_at, qualified_at (when the incident reached the
--   minimum of distinct customers), n_complaints, n_customers.
-- Grain: group_incident_id, earliest first.
-- Parameters: $ids (varchar[]: the incidents wanted), $as_of (timestamp).
-- example: ids = ['G-C1']
with wanted as (
    select g.*
    from stg_group_incidents as g
    where g.group_incident_id in (select unnest($ids::varchar []))
),

-- an incident whose every member was received by the as-of is its stg_group_incidents row;
-- only one with later members is described from its members received by then
members as (
    select c.*
    from stg_complaints as c
    where
        -- a semi-join on the ids (list_contains per row is slow over the whole history)
        c.group_incident_id in (
            select w.group_incident_id from wanted as w
            where w.last_received_at > $as_of::timestamp
        )
        and c.received_at <= $as_of::timestamp
),

partial as (
    select
        group_incident_id,
        any_value(department_id) as department_id,
        any_value(department_name_zh) as department_name_zh,
        any_value(category) as category,
        min(received_at) as first_received_at,
        max(received_at) as last_received_at,
        min(group_qualified_at) as qualified_at,
        count(*) as n_complaints,
        count(distinct customer_id) as n_customers,
    from members
    group by group_incident_id
),

final as (
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
    from wanted
    where last_received_at <= $as_of::timestamp
    union all
    select * from partial
)

select * from final
order by first_received_at, group_incident_id
