-- fragment dept_scope: the departments of the $f_department filter and all their
-- descendants (stg_department_tree), as a common table expression. Ends with a comma.
-- Parameters: $f_department (varchar[]: department ids, Chinese or English names).
dept_scope as (
    select t.department_id
    from stg_department_tree as t
    join stg_department_map as m on m.department_id = t.ancestor_id
    where list_contains($f_department::varchar [], m.raw_department)
),
