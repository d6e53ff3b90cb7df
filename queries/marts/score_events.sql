-- score_events: per_event counts behind the department scores (docs/definitions.md#scoring) of one month.
-- Returns: department_id varchar (as resolved by staging),
--          n_complaints bigint (the scoring population: received in the month by the
--          as-of, not verified malicious, not void), n_malicious bigint (left out),
--          valid_general, valid_urgent, valid_major, valid_ungraded bigint (is_valid true,
--          by grade; ungraded = severity null),
--          concealed_major bigint (severity major and concealed true).
-- Grain: department (only departments with at least one complaint in the month).
-- Parameters: $start, $end (timestamps: the month, end exclusive), $as_of (timestamp).
with cohort as (
    select
        department_id,
        coalesce(is_excluded, false) as is_malicious,
        severity,
        coalesce(is_valid, false) as is_valid,
        coalesce(concealed, false) as is_concealed,
    from stg_complaints
    where
        received_at >= $start
        and received_at < $end
        and received_at <= $as_of
        and not is_void  -- withdrawn / duplicate / cancelled: in no KPI, no score
),

final as (
    select
        department_id,
        count(*) filter (where not is_malicious) as n_complaints,
        count(*) filter (where is_malicious) as n_malicious,
        count(*) filter (where not is_malicious and is_valid and severity = 'general')
            as valid_general,
        count(*) filter (where not is_malicious and is_valid and severity = 'urgent')
            as valid_urgent,
        count(*) filter (where not is_malicious and is_valid and severity = 'major')
            as valid_major,
        count(*) filter (where not is_malicious and is_valid and severity is null)
            as valid_ungraded,
        count(*) filter (where not is_malicious and is_concealed and severity = 'major')
            as concealed_major,
    from cohort
    group by department_id
)

select * from final
order by department_id
