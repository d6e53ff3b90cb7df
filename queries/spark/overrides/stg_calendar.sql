-- stg_calendar on Spark (override of queries/staging/stg_calendar.sql): Spark has no
-- `asof join`; the rule version of a day is the one with the latest valid_from at or
-- before it (max_by over the few rule versions). Same columns and values.
with
days as (
    select
        d.cal_date,
        d.is_working,
        d.covered,
        cast(sum(cast(d.is_working as int)) over (order by d.cal_date) as bigint) as wd_seq,
        cast(
            86400 * (
                sum(cast(d.is_working as int)) over (order by d.cal_date)
                - cast(d.is_working as int)
            ) as bigint
        ) as work_s_start
    from stg_calendar_days as d
),

versions as (
    select d.cal_date, max_by(r.rules_version, r.valid_from) as rules_version
    from stg_calendar_days as d
    join stg_rules as r on cast(d.cal_date as timestamp_ntz) >= r.valid_from
    group by d.cal_date
)

select d.cal_date, d.is_working, d.covered, d.wd_seq, d.work_s_start, v.rules_version
from days as d
left join versions as v on v.cal_date = d.cal_date
