-- stg_department_map: how every department text in the data resolves to a department.
-- Returns: raw_department, department_id, department_name_zh, department_name_en,
--   parent_department_id, parent_department_name_zh (the parent's name, or the department's
--   own name at the top level: the roll-up key), is_known (found in `departments`).
-- Grain: one row per raw_department. Parameters: none.
-- Resolution order: name_zh, then department_id, then name_en; text found nowhere keeps
-- itself as id and name (so unknown departments still group apart).
with
raw as (
    select department as raw_department from complaints
    union
    select department from penalties
    union
    select department from business_volumes
    union
    select department_id from departments
    union
    select name_zh from departments
    union
    select name_en from departments where name_en is not null
),

by_zh as (
    select name_zh as key, min(department_id) as department_id from departments group by name_zh
),

by_en as (
    select name_en as key, min(department_id) as department_id
    from departments
    where name_en is not null
    group by name_en
),

resolved as (
    select
        raw.raw_department,
        coalesce(by_zh.department_id, d_id.department_id, by_en.department_id) as department_id
    from raw
    left join by_zh on by_zh.key = raw.raw_department
    left join departments as d_id on d_id.department_id = raw.raw_department
    left join by_en on by_en.key = raw.raw_department
),

final as (
    select
        r.raw_department,
        coalesce(d.department_id, r.raw_department) as department_id,
        coalesce(d.name_zh, r.raw_department) as department_name_zh,
        coalesce(d.name_en, d.name_zh, r.raw_department) as department_name_en,
        d.parent_id as parent_department_id,
        coalesce(p.name_zh, d.parent_id, d.name_zh, r.raw_department) as parent_department_name_zh,
        d.department_id is not null as is_known,
    from resolved as r
    left join departments as d on d.department_id = r.department_id
    left join departments as p on p.department_id = d.parent_id
)

select * from final
