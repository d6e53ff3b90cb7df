-- explain_working_clock: the company's working-time clock at one timestamp, in the same
-- seconds as stg_complaints.received_work_s / deadline_work_s (stg_calendar: working seconds
-- before the day's 00:00, plus the seconds since 00:00 when the day is a working day).
-- Working hours between two timestamps = (clock(b) - clock(a)) / 3600.
-- Returns: work_s double (no row when $at lies outside the calendar staging built).
-- Grain: one row (or none).
-- Parameters: $at (timestamp).
-- example: at = "2025-10-13 10:00:00"
select
    c.work_s_start
    + case
        when c.is_working
            then (epoch_us($at::timestamp) - epoch_us(c.cal_date::timestamp)) / 1e6
        else 0
    end as work_s,
from stg_calendar as c
where c.cal_date = $at::date
