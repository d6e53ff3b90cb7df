-- stg_volumes: business volume per resolved department and month (for complaint_rate_per_10k).
-- Returns: department_id, department_name_zh, parent_department_name_zh, month (date, first
--   of month), volume. Grain: (department_id, month). Parameters: none.
select
    m.department_id,
    any_value(m.department_name_zh) as department_name_zh,
    any_value(m.parent_department_name_zh) as parent_department_name_zh,
    date_trunc('month', v.month)::date as month,
    sum(v.volume) as volume,
from business_volumes as v
join stg_department_map as m on m.raw_department = v.department
group by m.department_id, date_trunc('month', v.month)::date
