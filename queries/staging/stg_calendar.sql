-- stg_calendar: the company calendar per day, for vectorised deadlines and working time.
-- Returns: cal_date, is_working, covered (statutory calendar known), wd_seq (working days up
--   to and including the day), work_s_start (working seconds before the day's 00:00, counted
--   from the table's first day), rules_version (the rule version in force on the day).
-- Grain: one row per day. Parameters: none.
-- Reads stg_calendar_days, written by staging.py from workcalendar.calendar_frame.
-- Working time of a timestamp t: work_s_start(day of t) + (seconds since 00:00 if the day is
-- a working day, else 0); working hours between two timestamps = difference / 3600.
select
    d.cal_date,
    d.is_working,
    d.covered,
    (sum(d.is_working::integer) over (order by d.cal_date))::bigint as wd_seq,
    (86400 * (sum(d.is_working::integer) over (order by d.cal_date) - d.is_working::integer))
        ::bigint as work_s_start,
    r.rules_version,
from stg_calendar_days as d
asof join stg_rules as r on d.cal_date::timestamp >= r.valid_from
order by d.cal_date
