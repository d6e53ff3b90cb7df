-- stg_department_tree: every department with all its ancestors (itself at depth 0), so a
-- filter on a department includes its child departments at any depth.
-- Returns: ancestor_id, department_id, depth. Grain: (ancestor_id, department_id).
-- Parameters: none. Parent cycles in the master data stop at depth 20.
with recursive tree(ancestor_id, department_id, depth) as (
    select distinct department_id, department_id, 0 from stg_department_map
    union all
    select d.parent_id, tree.department_id, tree.depth + 1
    from tree
    join departments as d on d.department_id = tree.ancestor_id
    where d.parent_id is not null and tree.depth < 20
)

select ancestor_id, department_id, min(depth) as depth
from tree
group by ancestor_id, department_id
