-- data_quality: record-level consistency checks on the loaded complaints (Data page, CLI).
-- Returns: one row per check, always all checks (count 0 when clean), in a fixed order:
--   check        varchar   closed_without_resolution | resolved_before_received |
--                          first_response_before_received | satisfaction_without_resolution
--   count        bigint    complaints failing the check
--   example_ids  varchar[] up to $max_examples failing complaint_ids, sorted
-- Grain: check. Reads the canonical `complaints` table (all rows, no period: a data problem
-- is a problem whatever the period).
-- Parameters: $max_examples (integer >= 0).
-- Definitions:
--   closed_without_resolution: closed (closed_at set or status 'resolved'/'closed') but no
--     resolved_at (never counted overdue: stg_complaints.closed_without_resolution)
--   resolved_before_received: resolved_at < received_at
--   first_response_before_received: first_response_at < received_at
--   satisfaction_without_resolution: satisfaction or surveyed_at set but no resolved_at
with flagged as (
    select
        complaint_id,
        (closed_at is not null or status in ('resolved', 'closed')) and resolved_at is null
            as closed_without_resolution,
        coalesce(resolved_at < received_at, false) as resolved_before_received,
        coalesce(first_response_at < received_at, false) as first_response_before_received,
        (satisfaction is not null or surveyed_at is not null) and resolved_at is null
            as satisfaction_without_resolution,
    from complaints
),

checks as (
    select * from (
        values
            (1, 'closed_without_resolution'),
            (2, 'resolved_before_received'),
            (3, 'first_response_before_received'),
            (4, 'satisfaction_without_resolution')
    ) as t (ord, check_name)
),

failures as (
    select 'closed_without_resolution' as check_name, complaint_id
    from flagged where closed_without_resolution
    union all
    select 'resolved_before_received', complaint_id
    from flagged where resolved_before_received
    union all
    select 'first_response_before_received', complaint_id
    from flagged where first_response_before_received
    union all
    select 'satisfaction_without_resolution', complaint_id
    from flagged where satisfaction_without_resolution
),

final as (
    select
        checks.ord,
        checks.check_name as "check",
        count(failures.complaint_id) as "count",
        coalesce(
            list(failures.complaint_id order by failures.complaint_id)
                filter (where failures.complaint_id is not null)[1:$max_examples],
            []::varchar[]
        ) as example_ids,
    from checks
    left join failures using (check_name)
    group by checks.ord, checks.check_name
)

select "check", "count", example_ids from final order by ord
