-- 005: the handling-ladder stage columns of complaints (docs/definitions.md#handling-ladder).
-- All optional: a source that does not export them leaves them null, and stg_supplied marks
-- its stages "not measured". Order as in queries/config/schema.py COMPLAINT_COLUMNS.
alter table complaints add column if not exists classified_at timestamp;
alter table complaints add column if not exists responsibility_assigned_at timestamp;
alter table complaints add column if not exists investigation_started_at timestamp;
alter table complaints add column if not exists manager_contacted_at timestamp;
alter table complaints add column if not exists escalated_t1_at timestamp;
alter table complaints add column if not exists escalated_t2_at timestamp;
alter table complaints add column if not exists escalated_t3_at timestamp;
alter table complaints add column if not exists return_visit_outcome varchar;
alter table complaints add column if not exists revisited_at timestamp;
alter table complaints add column if not exists revisit_outcome varchar;
alter table complaints add column if not exists record_completed_at timestamp;
alter table complaints add column if not exists root_cause varchar;
