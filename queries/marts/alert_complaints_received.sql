-- alert_complaints_received: complaints of the given grades received in ($since, $as_of].
-- Returns: complaint_id, received_at, department (name_zh), category, severity, channel,
--   resolution_deadline. Grain: complaint_id. Parameters: $since, $as_of (timestamp),
--   $severities (varchar[]).
-- example: since = '2025-10-01 00:00:00'
-- example: severities = ['major']
select
    c.complaint_id,
    c.received_at,
    coalesce(c.department_name_zh, c.department) as department,
    c.category,
    c.severity,
    c.channel,
    c.resolution_deadline,
from stg_complaints as c
where
    c.received_at > $since::timestamp
    and c.received_at <= $as_of::timestamp
    and list_contains($severities::varchar [], coalesce(c.severity, 'general'))
order by c.received_at, c.complaint_id
