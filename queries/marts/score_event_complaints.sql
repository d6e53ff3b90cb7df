-- score_event_complaints: the complaints behind one per_event score item (docs/definitions.md#scoring) of one
-- department and month: the valid ones (`$event = 'valid'`) or the concealed major ones
-- (`$event = 'concealed_major'`).
-- Returns: complaint_id, received_at, department_id, department, category, channel,
--          severity, handler, status, is_valid, concealed, escalation_level, resolved_at,
--          rules_version (no personal data).
-- Grain: complaint. Scoring population only (received in the month by the as-of, not
-- verified malicious), department's own complaints (not its children's).
-- Parameters: $start, $end (timestamps), $as_of (timestamp), $department_id (as resolved
-- by staging), $event ('valid' | 'concealed_major').
select
    complaint_id,
    received_at,
    department_id,
    coalesce(department_name_zh, department) as department,
    category,
    channel,
    severity,
    handler,
    status,
    is_valid,
    concealed,
    escalation_level,
    resolved_at,
    rules_version,
from stg_complaints
where
    received_at >= $start
    and received_at < $end
    and received_at <= $as_of
    and not coalesce(is_excluded, false)
    and not is_void  -- withdrawn / duplicate / cancelled: in no KPI, no score
    and department_id = $department_id
    and (
        ($event = 'valid' and coalesce(is_valid, false))
        or ($event = 'concealed_major' and coalesce(concealed, false) and severity = 'major')
    )
order by received_at, complaint_id
