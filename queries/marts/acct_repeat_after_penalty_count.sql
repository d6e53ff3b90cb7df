-- acct_repeat_after_penalty_count: how many rows acct_repeat_after_penalty returns without a
-- limit (docs/definitions.md#repeat_after_penalty): the (penalty record, recurring complaint)
-- pairs, counted per record from daily running counts (acct_recur_counts), never paired.
-- Returns: n bigint. Parameters: as acct_repeat_after_penalty without $limit and $offset.
with
-- include: dept_scope

-- include: acct_repeat_records

-- include: acct_recur_counts

final as (
    select cast(coalesce(sum(n_recur) filter (where n_recur > 0), 0) as bigint) as n,
    from recur_counts
)

select * from final
