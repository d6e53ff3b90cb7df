-- recent_imports: the latest imports (Data page "last imports"), newest first.
-- Returns: import_id, file_name, kind (complaints|penalties|departments|volumes|unknown),
--   started_at, finished_at, outcome (ok|refused|...), source_rows, imported, updated,
--   unchanged, superseded, rejected (rows rejected, each with a reason in the reject
--   report), reject_report (path of the reject file, may be null), user_name, message.
-- Grain: one row per import_log entry. Parameters: $limit (integer >= 0).
with final as (
    select
        import_id,
        file_name,
        kind,
        started_at,
        finished_at,
        outcome,
        source_rows,
        imported,
        updated,
        unchanged,
        superseded,
        rejected,
        reject_report,
        user_name,
        message,
    from import_log
)

select * from final
order by coalesce(finished_at, started_at) desc nulls last, import_id desc
limit $limit
