-- stg_calendar: the company calendar per day, for vectorised deadlines and working time.
-- Returns: cal_date, is_working, covered (statutory calendar known), wd_seq (working days up
--   to and including the day), work_s_start (working seconds before the day's 00:00, counted
--   from the table's first day). Grain: one row per day. Parameters: none.
-- Reads stg_calendar_days, written by staging.py from workcalendar.calendar_frame.
-- Working time of a timestamp t: work_s_start(day of t) + (seconds since 00:00 if the day is
-- a working day, else 0); working hours between two timestamps = difference / 3600.
select
    cal_date,
    is_working,
    covered,
    sum(is_working::integer) over (order by cal_date) as wd_seq,
    86400 * (sum(is_working::integer) over (order by cal_date) - is_working::integer)
        as work_s_start,
from stg_calendar_days
order by cal_date
