-- 004: the audit trail (who did what, when, with what outcome). Rows arrive from the
-- side file <db>.audit.sqlite at each publication (queries/audit.py) or are written by the
-- publishing writer itself (imports, rule changes).
create table if not exists audit_log (
    audit_id varchar primary key,
    occurred_at timestamp not null,
    who varchar not null,
    action varchar not null,
    outcome varchar not null,
    scope varchar,
    rows bigint,
    detail varchar
);
