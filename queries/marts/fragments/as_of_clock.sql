-- fragment as_of_clock: the company's working-time clock at $as_of, in the seconds of
-- stg_complaints.received_work_s / deadline_work_s (stg_calendar: working seconds before the
-- day's 00:00, plus the seconds since 00:00 when the day is a working day), as a common
-- table expression with one column as_of_work_s. Ends with a comma.
-- Parameters: $as_of (timestamp).
as_of_clock as (
    select
        c.work_s_start
        + case
            when c.is_working
                then (epoch_us($as_of::timestamp) - epoch_us(c.cal_date::timestamp)) / 1e6
            else 0
        end as as_of_work_s
    from stg_calendar as c
    where c.cal_date = $as_of::date
),
