-- actions_list: rectification actions (整改) with their state on a day.
-- Returns: action_id, title, department, category, complaint_ids, score_item, metric,
--   meeting_id, source, owner, due_date, status (stored: open | done | verified), state
--   (open | overdue | done | verified: an open action due before $today is overdue),
--   days_overdue (calendar days past the due date, overdue only), evidence, completed_at,
--   verification_result, verification_note, verified_at, verified_by, created_at, created_by.
-- Grain: action_id. Parameters: $today (date), $state (varchar or null = any),
--   $department (varchar or null = any), $meeting_id (varchar or null = any; a month
--   2026-01 also matches its meetings 2026-01-v2...).
-- example: today = '2025-11-01'
-- example: state = None
-- example: meeting_id = None
with
stated as (
    select
        a.*,
        case
            when a.status = 'open' and a.due_date < $today::date then 'overdue'
            else a.status
        end as state,
    from actions as a
),

final as (
    select
        s.action_id,
        s.title,
        s.department,
        s.category,
        s.complaint_ids,
        s.score_item,
        s.metric,
        s.meeting_id,
        s.source,
        s.owner,
        s.due_date,
        s.status,
        s.state,
        case when s.state = 'overdue' then $today::date - s.due_date end as days_overdue,
        s.evidence,
        s.completed_at,
        s.verification_result,
        s.verification_note,
        s.verified_at,
        s.verified_by,
        s.created_at,
        s.created_by,
    from stated as s
    where
        ($state::varchar is null or s.state = $state::varchar)
        and ($department::varchar is null or s.department = $department::varchar)
        and (
            $meeting_id::varchar is null
            or s.meeting_id = $meeting_id::varchar
            or s.meeting_id like $meeting_id::varchar || '-v%'
        )
)

select * from final
order by (state = 'overdue') desc, due_date, action_id
