-- score_departments: the departments scored for one month (docs/definitions.md#scoring).
-- Returns: department_id varchar (as resolved by staging: the id, or the exported name when
--          it matches no row of `departments`), department varchar (name_zh, else the
--          exported name), department_en varchar, parent_department_id varchar,
--          is_known boolean (a row of `departments`).
-- Grain: department. Every row of `departments`, plus every department seen on a complaint
-- received in [$start, $end) and by $as_of that resolves to no department row.
-- Parameters: $start, $end (timestamps: the month, end exclusive), $as_of (timestamp).
with known as (
    select
        department_id,
        name_zh as department,
        name_en as department_en,
        parent_id as parent_department_id,
        true as is_known,
    from departments
),

unresolved as (
    select distinct
        department_id,
        coalesce(department_name_zh, department) as department,
        cast(null as varchar) as department_en,
        cast(null as varchar) as parent_department_id,
        false as is_known,
    from stg_complaints
    where
        received_at >= $start
        and received_at < $end
        and received_at <= $as_of
        and department_id not in (select department_id from departments)
),

final as (
    select * from known
    union all
    select * from unresolved
)

select * from final
order by department_id
