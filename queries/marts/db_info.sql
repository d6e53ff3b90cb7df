-- db_info: what a database holds, for `complaints info`.
-- Returns: received_from, received_to (min/max received_at), months_covered (distinct
--   months of received_at), departments (rows of the departments table),
--   departments_with_complaints (distinct complaints.department), schema_version.
-- Grain: one row. Parameters: none.
with complaint_facts as (
    select
        min(received_at) as received_from,
        max(received_at) as received_to,
        count(distinct date_trunc('month', received_at)) as months_covered,
        count(distinct department) as departments_with_complaints,
    from complaints
),

final as (
    select
        complaint_facts.*,
        (select count(*) from departments) as departments,
        (select max(version) from schema_version) as schema_version,
    from complaint_facts
)

select * from final
