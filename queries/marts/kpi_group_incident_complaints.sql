-- kpi_group_incident_complaints: the member complaints of one group incident received by
-- the as-of, oldest first.
-- Returns: every stg_complaints column (complainant name/phone unmasked: callers mask).
-- Grain: complaint_id.
-- Parameters: $group_incident_id (varchar), $as_of (timestamp).
-- example: group_incident_id = 'G-C1'
with final as (
    select c.*
    from stg_complaints as c
    where
        c.group_incident_id = $group_incident_id::varchar
        and c.received_at <= $as_of::timestamp
)

select * from final
order by received_at, complaint_id
