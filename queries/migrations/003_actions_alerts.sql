-- Migration 003: rectification actions (整改) with their change history, and the alert log.
-- Actions and alerts are workflow records: no derived (stg_*) table reads them, so writers
-- publish them with write_transaction(derive=None). An action's "overdue" state is not
-- stored: an open action whose due_date is before today is overdue (computed when read).

create table if not exists actions (
    action_id varchar primary key,          -- A0001, A0002, ... (assigned under the writer lock)
    title varchar not null,                 -- what is to be done
    department varchar,                     -- linked department (name_zh as in the data)
    category varchar,                       -- linked complaint category code
    complaint_ids varchar[],                -- linked complaints
    score_item varchar,                     -- linked scoring item id (rules.toml)
    metric varchar,                         -- metric the effectiveness check compares
    meeting_id varchar,                     -- the meeting that decided it (2026-01, 2026-01-v2)
    source varchar not null check (source in ('meeting', 'department', 'complaint', 'manual')),
    owner varchar not null,
    due_date date not null,
    status varchar not null check (status in ('open', 'done', 'verified')),
    evidence varchar,                       -- what was done (required to mark it done)
    completed_at timestamp,
    verification_result varchar check (verification_result in ('effective', 'not_effective')),
    verification_note varchar,
    verified_at date,
    verified_by varchar,
    created_at timestamp not null,
    created_by varchar not null
);

create table if not exists action_history (
    action_id varchar not null,
    changed_at timestamp not null,
    changed_by varchar not null,
    field varchar not null,                 -- 'created' for the creation, else the column
    old_value varchar,
    new_value varchar
);

create table if not exists alert_log (
    alert_key varchar not null,             -- rule:subject[:period], e.g. major:C0001
    channel varchar not null,               -- the channel name in the alert config
    rule varchar not null,
    department varchar,
    message varchar not null,               -- the masked text that was sent
    first_seen_at timestamp not null,
    sent_at timestamp,
    outcome varchar not null check (outcome in ('sent', 'failed')),
    error varchar,
    attempts integer not null,
    primary key (alert_key, channel)
);
