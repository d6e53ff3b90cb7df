-- ui/data_totals: one row summarising the loaded data.
-- Returns: complaints bigint, penalties bigint, departments bigint (rows of `departments`,
--          else distinct department names on complaints), first_received_at timestamp,
--          last_received_at timestamp, last_import_at timestamp (null without import_log rows).
-- Grain: one row.
-- Parameters: none.
with final as (
    select
        (select count(*) from complaints) as complaints,
        (select count(*) from penalties) as penalties,
        greatest(
            (select count(*) from departments),
            (select count(distinct department) from complaints)
        ) as departments,
        (select min(received_at) from complaints) as first_received_at,
        (select max(received_at) from complaints) as last_received_at,
        (select max(finished_at) from import_log) as last_import_at,
)

select * from final
