-- Migration 001: the canonical schema (complaints, penalties, departments, volumes).
-- Timestamps are naive local time of the company. Codes: see queries/config/schema.py.

create table if not exists complaints (
    complaint_id varchar primary key,
    received_at timestamp not null,
    acknowledged_at timestamp,
    first_response_at timestamp,
    resolved_at timestamp,
    closed_at timestamp,
    channel varchar,
    category varchar,
    severity varchar check (severity in ('general', 'urgent', 'major')),
    department varchar not null,
    handler varchar,
    customer_id varchar,
    customer_name varchar,
    customer_phone varchar,
    status varchar,
    is_valid boolean,
    is_malicious boolean,
    satisfaction smallint check (satisfaction between 1 and 5),
    surveyed_at timestamp,
    escalation_level smallint check (escalation_level between 1 and 3),
    parent_complaint_id varchar,
    multi_department boolean,
    extended_deadline timestamp,
    concealed boolean,
    compensation_type varchar,
    compensation_amount decimal(14, 2),
    region varchar,
    product varchar,
    description varchar,
    resolution varchar
);

create table if not exists penalties (
    penalty_id varchar primary key,
    complaint_id varchar not null,
    person varchar not null,
    department varchar not null,
    responsibility_type varchar,
    cause varchar,
    measure varchar,
    fine_amount decimal(14, 2),
    joint_fine_amount decimal(14, 2),
    department_head varchar,
    investigation_end date,
    decided_at date,
    executed_at date,
    publicized_from date,
    appeal_status varchar,
    status varchar
);

create table if not exists departments (
    department_id varchar primary key,
    name_zh varchar not null,
    name_en varchar,
    parent_id varchar,
    head varchar
);

create table if not exists business_volumes (
    department varchar not null,
    month date not null,
    volume bigint not null,
    primary key (department, month)
);

create table if not exists import_log (
    import_id varchar primary key,
    file_name varchar not null,
    file_size bigint,
    sha256 varchar,
    kind varchar not null,
    mapping varchar,
    source_rows bigint,
    imported bigint,
    updated bigint,
    unchanged bigint,
    superseded bigint,
    rejected bigint,
    reject_report varchar,
    user_name varchar,
    started_at timestamp,
    finished_at timestamp,
    outcome varchar,
    message varchar
);

create table if not exists meta (
    key varchar primary key,
    value varchar
);
