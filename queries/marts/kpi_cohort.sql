-- kpi_cohort: the complaints of a KPI cohort with their as-of dependent facts (one row per
-- complaint): the rows behind every KPI number (drill, complaint list).
-- Returns: every stg_complaints column, dim, is_resolved, has_response, with_volume,
--   on_time_num, on_time_den, sla_num, sla_den, is_open, is_overdue, in_group_incident,
--   is_surveyed, is_escalated, has_compensation, hours_left, working_hours_left.
-- Grain: complaint_id. kpi.drill swaps the marked /*part*/ condition for an allow-listed
--   flag expression (kpi.DRILL_FLAGS) to keep a number's numerator or denominator rows.
-- Parameters: $start, $end (date; cohort [start, end) on received_at), $as_of (timestamp;
--   nothing after it exists), $f_department, $f_category, $f_channel, $f_severity, $f_region,
--   $f_product, $f_handler (varchar[]; empty = no filter; department includes children),
--   $exclude_malicious (boolean: leave out complaints verified malicious),
--   $search (varchar or null: substring of complaint_id/description/handler/customer_id,
--   case-insensitive), $limit (integer or null = all), $offset (integer: rows skipped).
-- example: f_category = ['产品质量']
-- example: offset = 0
with
-- include: kpi_cohort

as_of_clock as (
    select
        c.work_s_start
        + case
            when c.is_working
                then (epoch_us($as_of::timestamp) - epoch_us(c.cal_date::timestamp)) / 1e6
            else 0
        end as as_of_work_s
    from stg_calendar as c
    where c.cal_date = $as_of::date
),

final as (
    select
        f.*,
        (epoch_us(f.resolution_deadline) - epoch_us($as_of::timestamp)) / 3600e6 as hours_left,
        (f.deadline_work_s - (select a.as_of_work_s from as_of_clock as a)) / 3600
            as working_hours_left,
    from flags as f
    where
        (/*part*/ true /*part*/)
        and (
            $search::varchar is null
            or contains(lower(f.complaint_id), lower($search::varchar))
            or contains(lower(coalesce(f.description, '')), lower($search::varchar))
            or contains(lower(coalesce(f.handler, '')), lower($search::varchar))
            or contains(lower(coalesce(f.customer_id, '')), lower($search::varchar))
        )
)

select * from final
order by received_at desc, complaint_id
limit $limit
offset $offset
