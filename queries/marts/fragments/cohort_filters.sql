-- fragment cohort_filters: the conditions the KPI filters put on stg_complaints (alias c),
-- written once for every query that honours them; include it inside a WHERE clause after a
-- first condition (each line starts with `and`). Needs the dept_scope fragment's CTE.
-- Parameters: $f_department, $f_category, $f_channel, $f_severity, $f_region, $f_product,
--   $f_handler (varchar[], empty = no filter), $exclude_malicious (boolean).
        and (
            len($f_department::varchar []) = 0
            or c.department_id in (select d.department_id from dept_scope as d)
        )
        and (len($f_category::varchar []) = 0 or list_contains($f_category::varchar [], c.category))
        and (len($f_channel::varchar []) = 0 or list_contains($f_channel::varchar [], c.channel))
        and (len($f_severity::varchar []) = 0 or list_contains($f_severity::varchar [], c.severity))
        and (len($f_region::varchar []) = 0 or list_contains($f_region::varchar [], c.region))
        and (len($f_product::varchar []) = 0 or list_contains($f_product::varchar [], c.product))
        and (len($f_handler::varchar []) = 0 or list_contains($f_handler::varchar [], c.handler))
        and (not $exclude_malicious::boolean or not c.is_excluded)
        -- void complaints (withdrawn / duplicate / cancelled) are in no KPI denominator and
        -- not in the backlog; quality.void_complaints counts them on their own
        and not c.is_void
