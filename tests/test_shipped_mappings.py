"""The shipped mappings for common ticketing exports, each on a synthetic sample generated
here with the vendor's documented export columns (including columns the mapping leaves
extra). Each sample has one realistic row that must be rejected (an unassigned ticket:
no group/owner = no accountable department), so 19 of 20 rows import."""

from __future__ import annotations

import datetime as dt

import pytest

from queries import store
from queries.importer import import_file
from tests.import_fixtures import write_csv

T = dt.datetime
N = 20
BASE = T(2024, 3, 4, 9, 0)


def _times(i: int) -> tuple[dt.datetime, dt.datetime]:
    opened = BASE + dt.timedelta(hours=7 * i, minutes=i)
    return opened, opened + dt.timedelta(hours=30 + i)


def _servicenow(i):
    o, r = _times(i)
    states = ["New", "In Progress", "On Hold", "Resolved", "Closed", "Canceled"]
    st = states[i % 6]
    done = st in ("Resolved", "Closed")
    prio = ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"][i % 5]
    return [
        f"INC00{1000 + i}",
        o.strftime("%Y-%m-%d %H:%M:%S"),
        f"Caller {i}",
        prio,
        st,
        "Network" if i % 2 else "Software",
        "" if i == 7 else ("Service Desk" if i % 3 else "Network Ops"),
        f"Agent {i % 4}",
        ["Phone", "Email", "Self-service", "Walk-in", "Chat"][i % 5],
        f"Issue {i}",
        r.strftime("%Y-%m-%d %H:%M:%S") if done else "",
        r.strftime("%Y-%m-%d %H:%M:%S") if st == "Closed" else "",
        "Fixed" if done else "",
        (o + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S"),
    ]


SERVICENOW = (
    [
        "number",
        "opened_at",
        "caller_id",
        "priority",
        "state",
        "category",
        "assignment_group",
        "assigned_to",
        "contact_type",
        "short_description",
        "resolved_at",
        "closed_at",
        "close_notes",
        "sys_updated_on",
    ],
    _servicenow,
)


def _zendesk(i):
    o, r = _times(i)
    st = ["New", "Open", "Pending", "Hold", "Solved", "Closed"][i % 6]
    return [
        str(5000 + i),
        f"Req {i}",
        str(900 + i),
        f"req{i}@example.com",
        f"Agent {i % 3}",
        "" if i == 7 else ("Support" if i % 2 else "Billing"),
        f"Subject {i}",
        "tag1",
        st,
        ["Urgent", "High", "Normal", "Low"][i % 4],
        ["Web Form", "Mail", "Voice", "Chat", "Twitter"][i % 5],
        "Incident",
        o.strftime("%Y-%m-%d %H:%M:%S") + " +0800",
        o.strftime("%Y-%m-%d %H:%M:%S"),
        r.strftime("%Y-%m-%d %H:%M:%S") + " +0800" if st in ("Solved", "Closed") else "",
        "Good" if i % 2 else "Unoffered",
        f"Org {i % 3}",
    ]


ZENDESK = (
    [
        "Id",
        "Requester",
        "Requester id",
        "Requester email",
        "Assignee",
        "Group",
        "Subject",
        "Tags",
        "Status",
        "Priority",
        "Via",
        "Ticket type",
        "Created at",
        "Updated at",
        "Solved at",
        "Satisfaction Score",
        "Organization",
    ],
    _zendesk,
)


def _us(t: dt.datetime) -> str:
    hour = (t.hour % 12) or 12
    return f"{t.month}/{t.day}/{t.year} {hour}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def _salesforce(i):
    o, r = _times(i)
    st = ["New", "Working", "Escalated", "Closed"][i % 4]
    return [
        f"{i + 1:08d}",
        f"Subject {i}",
        st,
        ["High", "Medium", "Low"][i % 3],
        ["Phone", "Email", "Web"][i % 3],
        _us(o),
        _us(r) if st == "Closed" else "",
        "" if i == 7 else ("Tier 1 Queue" if i % 2 else "Tier 2 Queue"),
        f"Acme {i % 4}",
        f"Contact {i}",
        "Problem",
        "Performance",
        f"Details {i}",
    ]


SALESFORCE = (
    [
        "Case Number",
        "Subject",
        "Status",
        "Priority",
        "Case Origin",
        "Date/Time Opened",
        "Date/Time Closed",
        "Case Owner",
        "Account Name",
        "Contact Name",
        "Type",
        "Case Reason",
        "Description",
    ],
    _salesforce,
)


def _freshdesk(i):
    o, r = _times(i)
    st = ["Open", "Pending", "Resolved", "Closed", "Waiting on Customer"][i % 5]
    done = st in ("Resolved", "Closed")
    f = "%Y-%m-%d %H:%M:%S"
    return [
        str(300 + i),
        f"Subject {i}",
        st,
        ["Low", "Medium", "High", "Urgent"][i % 4],
        ["Email", "Portal", "Phone", "Chat", "Feedback Widget"][i % 5],
        "Question",
        f"Agent {i % 3}",
        "" if i == 7 else ("Tier 1" if i % 2 else "Billing"),
        o.strftime(f),
        (o + dt.timedelta(days=3)).strftime(f),
        r.strftime(f) if done else "",
        r.strftime(f) if st == "Closed" else "",
        r.strftime(f),
        (o + dt.timedelta(hours=2)).strftime(f),
        "1.5",
        "2.0" if done else "",
        "",
        f"Person {i}",
        f"Company {i % 2}",
        "Product A",
    ]


FRESHDESK = (
    [
        "Ticket ID",
        "Subject",
        "Status",
        "Priority",
        "Source",
        "Type",
        "Agent",
        "Group",
        "Created time",
        "Due by Time",
        "Resolved time",
        "Closed time",
        "Last update time",
        "Initial response time",
        "First response time (in hrs)",
        "Resolution time (in hrs)",
        "Tags",
        "Full name",
        "Company Name",
        "Product",
    ],
    _freshdesk,
)


def _jira(i):
    o, r = _times(i)
    st = [
        "Open",
        "Waiting for support",
        "In Progress",
        "Waiting for customer",
        "Resolved",
        "Closed",
        "Canceled",
    ][i % 7]
    done = st in ("Resolved", "Closed")

    def j(t):
        return t.strftime("%d/%b/%y %I:%M %p")

    return [
        f"Summary {i}",
        f"SD-{i + 1}",
        str(10000 + i),
        "Service Request",
        st,
        "SD",
        "" if i == 7 else ("IT Help Desk" if i % 2 else "HR Service Desk"),
        ["Highest", "High", "Medium", "Low", "Lowest"][i % 5],
        "Done" if done else "",
        f"Agent {i % 3}",
        f"Customer {i}",
        j(o),
        j(r),
        j(r) if done else "",
        "Get IT help",
        str(1 + i % 5) if done else "",
        f"Description {i}",
    ]


JIRA = (
    [
        "Summary",
        "Issue key",
        "Issue id",
        "Issue Type",
        "Status",
        "Project key",
        "Project name",
        "Priority",
        "Resolution",
        "Assignee",
        "Reporter",
        "Created",
        "Updated",
        "Resolved",
        "Custom field (Request Type)",
        "Custom field (Satisfaction)",
        "Description",
    ],
    _jira,
)


def _hotline(i):
    o, r = _times(i)
    st = ["待签收", "办理中", "已办结", "已归档", "重复工单", "已撤销"][i % 6]
    done = st in ("已办结", "已归档")
    ampm = "上午" if o.hour < 12 else "下午"
    return [
        f"GD2024{i:05d}",
        f"{o.year}/{o.month}/{o.day} {ampm}{(o.hour % 12) or 12}:{o.minute:02d}",
        ["电话", "网站", "微信", "12345热线"][i % 4],
        f"张{i}",
        f"1381234{i:04d}",
        ["噪音扰民", "道路破损", "物业纠纷"][i % 3],
        f"诉求内容{i}",
        ["一般", "紧急", "特急"][i % 3],
        ["朝阳区", "海淀区"][i % 2],
        "" if i == 7 else ("区城管委" if i % 2 else "区住建委"),
        (o + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        r.strftime("%Y-%m-%d %H:%M") if done else "暂无",
        st,
        "已答复" if done else "无",
        ["满意", "基本满意", "不满意", "无"][i % 4] if done else "",
    ]


HOTLINE = (
    [
        "工单编号",
        "受理时间",
        "受理渠道",
        "来电人",
        "来电号码",
        "诉求类型",
        "诉求内容",
        "紧急程度",
        "所属区域",
        "承办单位",
        "签收时间",
        "办结时间",
        "办理状态",
        "办理结果",
        "回访满意度",
    ],
    _hotline,
)

SAMPLES = {
    "servicenow_incident": SERVICENOW,
    "zendesk_tickets": ZENDESK,
    "salesforce_case": SALESFORCE,
    "freshdesk_tickets": FRESHDESK,
    "jira_service_management": JIRA,
    "hotline12345": HOTLINE,
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_shipped_mapping_imports_its_vendor_sample(tmp_path, name):
    headers, make = SAMPLES[name]
    path = write_csv(tmp_path / f"{name}.csv", headers, [make(i) for i in range(N)])
    res = import_file(tmp_path / "d.duckdb", path, mapping=name)
    assert (res.outcome, res.source_rows, res.imported, res.rejected) == ("ok", N, N - 1, 1)
    assert res.top_reject_reasons[0]["field"] == "department"
    assert res.top_reject_reasons[0]["reason"] == "missing required value"
    conn = store.open_snapshot(tmp_path / "d.duckdb")
    bad = conn.execute(
        "select count(*) from complaints where severity not in ('general', 'urgent', 'major')"
        " or status not in ('pending', 'in_progress', 'resolved', 'closed', 'withdrawn',"
        " 'duplicate', 'cancelled') or received_at is null"
    ).fetchall()[0][0]
    first = conn.execute(
        "select received_at from complaints order by received_at limit 1"
    ).fetchall()[0][0]
    conn.close()
    assert bad == 0
    # sample row 0 is received at BASE (Zendesk: BASE +0800 = BASE in Asia/Shanghai)
    assert first == BASE


def test_servicenow_and_hotline_values_map_as_documented(tmp_path):
    headers, make = SERVICENOW
    path = write_csv(tmp_path / "sn.csv", headers, [make(i) for i in range(6)])
    import_file(tmp_path / "sn.duckdb", path, mapping="servicenow_incident")
    conn = store.open_snapshot(tmp_path / "sn.duckdb")
    got = conn.execute(
        "select complaint_id, severity, status, channel from complaints order by 1"
    ).fetchall()
    conn.close()
    assert got == [
        ("INC001000", "major", "pending", "phone"),
        ("INC001001", "urgent", "in_progress", "email"),
        ("INC001002", "general", "in_progress", "online"),
        ("INC001003", "general", "resolved", "walk_in"),
        ("INC001004", "general", "closed", "online"),
        ("INC001005", "major", "cancelled", "phone"),
    ]
    headers, make = HOTLINE
    path = write_csv(tmp_path / "h.csv", headers, [make(i) for i in range(6)])
    import_file(tmp_path / "h.duckdb", path, mapping="hotline12345")
    conn = store.open_snapshot(tmp_path / "h.duckdb")
    got = conn.execute(
        "select complaint_id, received_at, severity, status, resolved_at, satisfaction"
        " from complaints order by 1"
    ).fetchall()
    conn.close()
    assert got == [
        ("GD202400000", T(2024, 3, 4, 9, 0), "general", "pending", None, None),
        ("GD202400001", T(2024, 3, 4, 16, 1), "urgent", "in_progress", None, None),
        ("GD202400002", T(2024, 3, 4, 23, 2), "major", "resolved", T(2024, 3, 6, 7, 2), 2),
        ("GD202400003", T(2024, 3, 5, 6, 3), "general", "closed", T(2024, 3, 6, 15, 3), None),
        ("GD202400004", T(2024, 3, 5, 13, 4), "urgent", "duplicate", None, None),
        ("GD202400005", T(2024, 3, 5, 20, 5), "major", "withdrawn", None, None),
    ]
