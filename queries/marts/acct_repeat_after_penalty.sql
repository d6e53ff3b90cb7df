-- acct_repeat_after_penalty: penalties followed by a repeat (docs/definitions.md#repeat_after_penalty), one
-- row per (penalty record, recurring complaint).
-- Returns: penalty_id, complaint_id (the penalised complaint), category, person,
--          department_id, department (responsible department), measure, executed_at,
--          repeat_after_penalty_days (the record's rule version), repeat_complaint_id, repeat_received_at, days_after (received date − executed_at).
-- Grain: penalty record × recurring complaint. Penalty records of the complaints received
-- in [$start, $end) by $as_of (and the KPI filters), executed
-- by the as-of; recurring complaint: valid, not verified malicious, received by the as-of,
-- same department_id as the record's responsible department, same category as the
-- penalised complaint, received on day 1..repeat_after_penalty_days after executed_at (a complaint on
-- the execution day itself does not count: its time of day is unknown relative to it).
-- Parameters: $start, $end, $as_of (timestamps), $f_department, $f_category, $f_channel,
-- $f_severity, $f_region, $f_product, $f_handler (varchar[]), $exclude_malicious (boolean): the
-- KPI filters, applied by the cohort_filters fragment (docs/definitions.md#accountability);
-- $limit (integer or null: all), $offset (integer): one page of the pairs in their order. Only
-- the records on that page are paired with complaints: each record's number of pairs comes
-- from daily running counts (acct_recur_counts), so a page costs the same in a month where
-- every record was executed and each window holds thousands of complaints.
-- example: offset = 0
with
-- include: dept_scope

-- include: acct_repeat_records

-- include: acct_recur_counts

placed as (
    select
        r.*,
        n.n_recur,
        coalesce(
            sum(n.n_recur) over (
                order by r.executed_at, r.penalty_id
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as pairs_before,
    from records as r
    inner join recur_counts as n on r.penalty_id = n.penalty_id
    where n.n_recur > 0
),

page_records as (
    select *
    from placed
    where
        pairs_before + n_recur > $offset
        and ($limit is null or pairs_before < $offset + $limit)
),

page_window as (
    select
        cast(min(executed_at) + 1 as timestamp) as lo,
        cast(max(executed_at + cast(repeat_after_penalty_days as integer) + 1) as timestamp) as hi,
        min(pairs_before) as pairs_before,
    from page_records
),

final as (
    select
        r.penalty_id,
        r.complaint_id,
        r.category,
        r.person,
        r.department_id,
        r.department,
        r.measure,
        r.executed_at,
        r.repeat_after_penalty_days,
        c.complaint_id as repeat_complaint_id,
        c.received_at as repeat_received_at,
        datediff('day', r.executed_at, cast(c.received_at as date)) as days_after,
        w.pairs_before + row_number() over (
            order by r.executed_at, r.penalty_id, c.received_at, c.complaint_id
        ) as pair_no,
    from page_records as r
    cross join page_window as w
    inner join stg_complaints as c
        on
            c.department_id = r.department_id
            and c.category = r.category
            and cast(c.received_at as date) > r.executed_at
            and cast(c.received_at as date) <= r.executed_at + cast(r.repeat_after_penalty_days as integer)
    where
        c.received_at >= w.lo
        and c.received_at < w.hi
        and c.received_at <= $as_of
        and coalesce(c.is_valid, false)
        and not coalesce(c.is_excluded, false)
        and c.complaint_id <> r.complaint_id
)

select * exclude (pair_no) from final
where pair_no > $offset and ($limit is null or pair_no <= $offset + $limit)
order by executed_at, penalty_id, repeat_received_at, repeat_complaint_id
