-- kpi_summary: the metrics (docs/definitions.md#metrics) of a cohort, one row per group (column dim; 'all' ungrouped).
-- Grain: one row per value of the group expression. Python (kpi.kpis) swaps the marked
--   expressions /*dim*/ /*dimid*/ /*vdim*/ /*vkey*/ for allow-listed ones (kpi.DIMENSION_SQL);
--   the monthly KPI mart (staging.kpi_month) also fills the empty /*fanout*/ /*vfanout*/ joins.
-- Parameters: $start, $end (date; cohort [start, end) on received_at), $as_of (timestamp;
--   nothing after it exists), $f_department, $f_category, $f_channel, $f_severity, $f_region,
--   $f_product, $f_handler (varchar[]; empty = no filter; department includes children),
--   $exclude_malicious (boolean: leave out complaints verified malicious).
-- Rates: numerator / denominator, null when the denominator is 0. Hours: exact seconds/3600.
-- Not measured (stg_supplied): a metric is computed over the complaints whose department
--   supplied its input fields (n_measured_* rows); with none it is null, counts included.
-- complaint_rate_per_10k: complaints in department-months with a loaded volume (whole months
--   inside the period) / the sum of those volumes x 10000.
-- quick_close_rate: resolved by 24:00 of the rule's quick_close-th working day after receipt
--   / resolved (as of); compensation_cny_<type>: compensation amounts by compensation type.
-- example: f_department = ['客服中心']
with
-- include: kpi_cohort

volume as (
    select /*vdim*/ 'all' /*vdim*/ as dim, sum(v.volume) as volume
    from volume_scope as v
    /*vfanout*/  /*vfanout*/
    group by 1
),

agg as (
    select
        dim,
        any_value(/*dimid*/ null /*dimid*/) as dim_id,
        count(*) as received,
        count(*) filter (where m_resolution) as n_measured_resolution,
        count(*) filter (where m_response) as n_measured_response,
        count(*) filter (where m_survey) as n_measured_survey,
        count(*) filter (where m_repeat) as n_measured_repeat,
        count(*) filter (where m_group) as n_measured_group,
        count(*) filter (where m_escalation) as n_measured_escalation,
        count(*) filter (where m_compensation) as n_measured_compensation,
        count(*) filter (where is_resolved and m_survey) as n_resolved_survey,
        count(*) filter (where m_resolution and m_survey) as n_measured_survey_resolution,
        count(*) filter (where is_resolved) as resolved,
        count(*) filter (where on_time_num) as n_on_time_num,
        count(*) filter (where on_time_den) as n_on_time,
        count(*) filter (where has_response) as n_first_response,
        quantile_cont(case when has_response then first_response_h end, 0.5)
            as first_response_median_h,
        avg(case when has_response then first_response_h end) as first_response_mean_h,
        quantile_cont(case when has_response then first_response_h end, 0.9)
            as first_response_p90_h,
        count(*) filter (where sla_num) as n_response_sla_num,
        count(*) filter (where sla_den) as n_response_sla,
        quantile_cont(case when is_resolved then resolution_h end, 0.5) as resolution_median_h,
        quantile_cont(case when is_resolved then resolution_h end, 0.9) as resolution_p90_h,
        count(*) filter (where is_open) as backlog_open,
        count(*) filter (where is_overdue) as overdue_open,
        count(*) filter (where is_repeat) as n_repeat,
        count(distinct case when in_group_incident then group_incident_id end) as group_incidents,
        count(*) filter (where is_valid) as n_valid,
        count(*) filter (where is_valid is not null) as n_valid_known,
        count(*) filter (where is_surveyed and satisfaction >= 4) as n_satisfied,
        count(*) filter (where is_surveyed) as n_surveyed,
        count(*) filter (where is_surveyed and satisfaction <= 2) as n_dissatisfied,
        avg(case when is_surveyed then satisfaction end) as csat_mean,
        count(*) filter (where is_surveyed and is_resolved) as n_surveyed_resolved,
        count(*) filter (where is_escalated) as n_escalated,
        coalesce(sum(compensation_amount), 0)::double as compensation_total,
        count(*) filter (where has_compensation) as n_compensation,
        count(*) filter (where compensation_type = 'money') as compensation_n_money,
        count(*) filter (where compensation_type = 'service') as compensation_n_service,
        count(*) filter (where compensation_type = 'product') as compensation_n_product,
        count(*) filter (where compensation_type = 'coupon') as compensation_n_coupon,
        count(*) filter (where with_volume) as n_received_with_volume,
        count(*) filter (where is_resolved and coalesce(resolved_quickly, false))
            as n_resolved_quickly,
        coalesce(sum(compensation_amount) filter (where compensation_type = 'money'), 0)::double
            as compensation_cny_money,
        coalesce(sum(compensation_amount) filter (where compensation_type = 'service'), 0)::double
            as compensation_cny_service,
        coalesce(sum(compensation_amount) filter (where compensation_type = 'product'), 0)::double
            as compensation_cny_product,
        coalesce(sum(compensation_amount) filter (where compensation_type = 'coupon'), 0)::double
            as compensation_cny_coupon,
        quantile_cont(case when has_response then first_response_working_h end, 0.5)
            as first_response_median_working_h,
        avg(case when has_response then first_response_working_h end)
            as first_response_mean_working_h,
        quantile_cont(case when has_response then first_response_working_h end, 0.9)
            as first_response_p90_working_h,
        quantile_cont(case when is_resolved then resolution_working_h end, 0.5)
            as resolution_median_working_h,
        quantile_cont(case when is_resolved then resolution_working_h end, 0.9)
            as resolution_p90_working_h,
    from flags
    group by dim
),

final as (
    select
        a.dim,
        a.received,
        case when a.n_measured_resolution > 0 then a.resolved end as resolved,
        a.resolved / nullif(a.n_measured_resolution, 0) as resolution_rate,
        a.n_on_time_num / nullif(a.n_on_time, 0) as on_time_resolution_rate,
        a.first_response_median_h,
        a.first_response_mean_h,
        a.first_response_p90_h,
        a.n_response_sla_num / nullif(a.n_response_sla, 0) as response_sla_rate,
        a.resolution_median_h,
        a.resolution_p90_h,
        case when a.n_measured_resolution > 0 then a.backlog_open end as backlog_open,
        case when a.n_measured_resolution > 0 then a.overdue_open end as overdue_open,
        a.n_repeat / nullif(a.n_measured_repeat, 0) as repeat_rate,
        case when a.n_measured_group > 0 then a.group_incidents end as group_incidents,
        a.n_valid / nullif(a.n_valid_known, 0) as valid_rate,
        a.n_satisfied / nullif(a.n_surveyed, 0) as csat_rate,
        a.csat_mean,
        a.n_surveyed_resolved / nullif(a.n_resolved_survey, 0) as survey_coverage,
        a.n_escalated / nullif(a.n_measured_escalation, 0) as escalation_rate,
        case when a.n_measured_compensation > 0 then a.compensation_total end
            as compensation_total,
        a.n_received_with_volume / nullif(v.volume, 0) * 10000 as complaint_rate_per_10k,
        a.received as n_received,
        a.resolved as n_resolved,
        a.n_on_time_num,
        a.n_on_time,
        a.n_first_response,
        a.n_response_sla_num,
        a.n_response_sla,
        case when a.n_measured_resolution > 0 then a.backlog_open end as n_open,
        a.n_repeat,
        a.n_valid,
        a.n_valid_known,
        a.n_satisfied,
        a.n_surveyed,
        a.n_dissatisfied,
        a.n_surveyed_resolved,
        a.n_escalated,
        a.n_compensation,
        a.n_received_with_volume,
        v.volume as n_volume,
        a.n_measured_resolution,
        a.n_measured_response,
        a.n_measured_survey,
        a.n_measured_repeat,
        a.n_measured_group,
        a.n_measured_escalation,
        a.n_measured_compensation,
        a.n_resolved_survey,
        a.n_measured_survey_resolution,
        a.compensation_n_money,
        a.compensation_n_service,
        a.compensation_n_product,
        a.compensation_n_coupon,
        a.first_response_median_working_h,
        a.first_response_mean_working_h,
        a.first_response_p90_working_h,
        a.resolution_median_working_h,
        a.resolution_p90_working_h,
        a.n_resolved_quickly / nullif(a.resolved, 0) as quick_close_rate,
        a.n_resolved_quickly,
        a.compensation_cny_money,
        a.compensation_cny_service,
        a.compensation_cny_product,
        a.compensation_cny_coupon,
        a.dim_id,
    from agg as a
    left join volume as v on v.dim = /*vkey*/ a.dim /*vkey*/
)

select * from final
order by dim nulls last
