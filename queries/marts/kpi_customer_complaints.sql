-- kpi_customer_complaints: every complaint of one customer received by the as-of, oldest
-- first: the customer's repeat chain (it may start before any period).
-- Returns: every stg_complaints column (complainant name/phone unmasked: callers mask).
-- Grain: complaint_id.
-- Parameters: $customer_id (varchar, matched exactly), $as_of (timestamp; nothing after it
-- exists).
-- example: customer_id = 'K1'
with final as (
    select c.*
    from stg_complaints as c
    where
        c.customer_id = $customer_id::varchar
        and c.received_at <= $as_of::timestamp
)

select * from final
order by received_at, complaint_id
