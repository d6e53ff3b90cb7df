-- fragment acct_recur_counts: how many recurring complaints (docs/definitions.md#repeat_after_penalty)
-- follow each executed penalty record, as common table expressions; ends with a comma.
-- Needs a CTE `executed` (penalty_id, complaint_id, department_id, category, executed_at
-- (by the as-of), repeat_after_penalty_days, self_in_window: the penalised complaint is valid,
-- not malicious, of the record's department and received in the record's window).
-- Gives `recur_window` (lo, hi: the receipt range of every window) and `recur_counts`
-- (penalty_id, n_recur: valid, not malicious complaints received by $as_of in the record's
-- department and category on days executed_at + 1 .. executed_at + repeat_after_penalty_days,
-- other than the penalised complaint). Parameters: $as_of.
-- the receipt range any recurring complaint lies in (implied by the windows below): bounds the
-- scan of stg_complaints to those days instead of the whole history
recur_window as (
    select
        cast(min(executed_at) + 1 as timestamp) as lo,
        cast(max(executed_at + cast(repeat_after_penalty_days as integer) + 1) as timestamp) as hi,
    from executed
),

-- valid, not malicious complaints received by the as-of, per responsible department,
-- category and receipt day, with the running count per department and category: the
-- recurring complaints of a record are the count on days executed_at + 1 ..
-- executed_at + repeat_after_penalty_days (running count at the last day minus at the
-- execution day, found by ASOF joins) less the penalised complaint itself; counting
-- instead of pairing each record with each complaint keeps a past month (every record
-- executed, ~thousands of complaints per window) as cheap as the current one
daily_valid as (
    select
        c.department_id,
        c.category,
        cast(c.received_at as date) as received_date,
        count(*) as n,
    from stg_complaints as c
    cross join recur_window as w
    where
        c.received_at >= w.lo
        and c.received_at < w.hi
        and c.received_at <= $as_of
        and coalesce(c.is_valid, false)
        and not coalesce(c.is_excluded, false)
    group by all
),

running_valid as (
    select
        department_id,
        category,
        received_date,
        sum(n) over (
            partition by department_id, category
            order by received_date
            rows between unbounded preceding and current row
        ) as running,
    from daily_valid
),

through_window as (
    select r.penalty_id, r.department_id, r.category, r.executed_at, r.self_in_window,
        coalesce(v.running, 0) as running_end,
    from executed as r
    asof left join running_valid as v
        on
            v.department_id = r.department_id
            and v.category = r.category
            and v.received_date <= r.executed_at + cast(r.repeat_after_penalty_days as integer)
    where r.repeat_after_penalty_days is not null
),

recur_counts as (
    select
        t.penalty_id,
        t.running_end - coalesce(v.running, 0) - cast(t.self_in_window as integer) as n_recur,
    from through_window as t
    asof left join running_valid as v
        on
            v.department_id = t.department_id
            and v.category = t.category
            and v.received_date <= t.executed_at
),
