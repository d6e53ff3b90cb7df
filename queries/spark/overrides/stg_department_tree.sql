-- stg_department_tree on Spark (override of queries/staging/stg_department_tree.sql):
-- Spark 4.0 has no recursive common table expression, so the parent chain is followed by
-- 20 self-joins (the DuckDB query's depth limit: parent cycles stop at depth 20) and each
-- department's ancestors a0 (itself) .. a20 become rows. Same columns and values.
with
ids as (select distinct department_id from stg_department_map),

parents as (select department_id, parent_id from departments where parent_id is not null),

chain as (
    select
        array(i.department_id,
            p1.parent_id,
            p2.parent_id,
            p3.parent_id,
            p4.parent_id,
            p5.parent_id,
            p6.parent_id,
            p7.parent_id,
            p8.parent_id,
            p9.parent_id,
            p10.parent_id,
            p11.parent_id,
            p12.parent_id,
            p13.parent_id,
            p14.parent_id,
            p15.parent_id,
            p16.parent_id,
            p17.parent_id,
            p18.parent_id,
            p19.parent_id,
            p20.parent_id) as ancestors,
        i.department_id
    from ids as i
    left join parents as p1 on p1.department_id = i.department_id
    left join parents as p2 on p2.department_id = p1.parent_id
    left join parents as p3 on p3.department_id = p2.parent_id
    left join parents as p4 on p4.department_id = p3.parent_id
    left join parents as p5 on p5.department_id = p4.parent_id
    left join parents as p6 on p6.department_id = p5.parent_id
    left join parents as p7 on p7.department_id = p6.parent_id
    left join parents as p8 on p8.department_id = p7.parent_id
    left join parents as p9 on p9.department_id = p8.parent_id
    left join parents as p10 on p10.department_id = p9.parent_id
    left join parents as p11 on p11.department_id = p10.parent_id
    left join parents as p12 on p12.department_id = p11.parent_id
    left join parents as p13 on p13.department_id = p12.parent_id
    left join parents as p14 on p14.department_id = p13.parent_id
    left join parents as p15 on p15.department_id = p14.parent_id
    left join parents as p16 on p16.department_id = p15.parent_id
    left join parents as p17 on p17.department_id = p16.parent_id
    left join parents as p18 on p18.department_id = p17.parent_id
    left join parents as p19 on p19.department_id = p18.parent_id
    left join parents as p20 on p20.department_id = p19.parent_id
),

steps as (
    select department_id, posexplode(ancestors) as (depth, ancestor_id) from chain
)

select ancestor_id, department_id, cast(min(depth) as int) as depth
from steps
where ancestor_id is not null
group by ancestor_id, department_id
