-- ui/departments: the departments offered by the dashboard's department filter.
-- Returns: department_id varchar (the id, or the exported name when no department row
--          exists), name_zh varchar, name_en varchar (may be null), parent_id varchar.
-- Grain: department. Every row of `departments`, plus every department name on a
-- complaint that matches no department id/name_zh/name_en (imports without a department
-- list still get a filter).
-- Parameters: none.
with known as (
    select
        department_id,
        name_zh,
        name_en,
        parent_id,
    from departments
),

unmatched as (
    select distinct
        c.department as department_id,
        c.department as name_zh,
        cast(null as varchar) as name_en,
        cast(null as varchar) as parent_id,
    from complaints as c
    where not exists (
        select 1
        from departments as d
        where c.department in (d.department_id, d.name_zh, d.name_en)
    )
),

final as (
    select * from known
    union all
    select * from unmatched
)

select * from final
order by department_id
