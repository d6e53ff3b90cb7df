-- ui/data_months: what is loaded, month by month (the "data loaded" block).
-- Returns: month date (first day), complaints bigint, departments bigint (distinct
--          exported department names), first_received_at timestamp, last_received_at timestamp.
-- Grain: calendar month of received_at.
-- Parameters: none.
with final as (
    select
        cast(date_trunc('month', received_at) as date) as month,
        count(*) as complaints,
        count(distinct department) as departments,
        min(received_at) as first_received_at,
        max(received_at) as last_received_at,
    from complaints
    group by 1
)

select * from final
order by month
