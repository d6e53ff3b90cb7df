"""Personal data in free text: 15 spellings of mobiles, landlines, ID-card numbers
(checksum), e-mail addresses, bank cards (Luhn) and the complaint's own customer name are
masked for roles without the right; the search of those roles runs over the masked text;
a reject report masks a row-level value by its column's identity."""

from __future__ import annotations

import pandas as pd
import pytest

from queries import context, privacy, store
from queries.importer import import_file
from queries.marts import kpi
from tests.conftest import build_db
from tests.import_fixtures import csv_text


def _luhn_complete(prefix: str) -> str:
    """``prefix`` plus the Luhn check digit."""
    for d in "0123456789":
        if privacy.luhn_ok(prefix + d):
            return prefix + d
    raise AssertionError


def _id_complete(first17: str) -> str:
    for c in "0123456789X":
        if privacy.is_id_card(first17 + c):
            return first17 + c
    raise AssertionError


CARD19 = _luhn_complete("622202123456789012")
CARD16 = _luhn_complete("436742123456789")
ID_CARD = _id_complete("11010519491231002")

# (text, masked text) — the 15 spellings of the attack battery plus controls
CASES = [
    ("电话13912345678", "电话139****5678"),
    ("电话 139 1234 5678", "电话 139****5678"),
    ("139-1234-5678", "139****5678"),
    ("+86 139 1234 5678", "+86 139****5678"),
    ("+8613912345678", "+86139****5678"),
    ("0086-139-1234-5678", "0086-139****5678"),
    ("(+86)13912345678", "(+86)139****5678"),
    ("座机010-12345678", "座机010-****5678"),
    ("(0755)1234567", "(0755)****4567"),
    ("021 6123 4567", "021 ****4567"),
    (f"身份证{ID_CARD}", f"身份证1{'*' * 16}{ID_CARD[-1]}"),
    (f"卡号{CARD19}", f"卡号{CARD19[:4]}{'*' * 11}{CARD19[-4:]}"),
    (
        f"卡号 {CARD16[:4]} {CARD16[4:8]} {CARD16[8:12]} {CARD16[12:]}",
        f"卡号 {CARD16[:4]}{'*' * 8}{CARD16[-4:]}",
    ),
    ("邮箱 zhang.san@example.com", "邮箱 z***@example.com"),
    ("客户张三丰来电，张三丰要求退款", "客户张**来电，张**要求退款"),
    # controls: an order number, an 18-digit number failing the ID checksum, an amount
    ("订单20251001123456789", "订单20251001123456789"),
    (f"编号{ID_CARD[:17]}{'1' if ID_CARD[-1] != '1' else '2'}", None),
    ("金额 1380.50 元", "金额 1380.50 元"),
]


@pytest.mark.parametrize(("text", "masked"), CASES, ids=[c[0] for c in CASES])
def test_free_text_masking(text, masked):
    assert privacy.mask_text(text, ("张三丰",)) == (text if masked is None else masked)


def test_mask_frame_masks_each_rows_own_customer_name():
    frame = pd.DataFrame(
        {
            "customer_name": ["张三丰", "李四"],
            "description": ["张三丰说李四也投诉过", "李四来电"],
        }
    )
    masked = privacy.mask_frame(frame, "viewer")
    assert masked.values.tolist() == [["张**", "张**说李四也投诉过"], ["李*", "李*来电"]]
    assert privacy.mask_frame(frame, "privacy_officer") is frame


@pytest.fixture
def searchable(tmp_path):
    return build_db(
        tmp_path / "s.duckdb",
        complaints=[
            {
                "complaint_id": "S1",
                "received_at": "2025-10-02 10:00:00",
                "department": "客服部",
                "customer_name": "王小明",
                "description": "王小明的手机 139 1234 5678 打不通",
            },
            {
                "complaint_id": "S2",
                "received_at": "2025-10-03 10:00:00",
                "department": "客服部",
                "description": "物流延迟",
            },
        ],
    )


@pytest.mark.parametrize(
    ("search", "viewer_hits", "officer_hits"),
    [
        ("13912345678", [], []),  # the spaced number is not this spelling for anyone
        ("1234 5678", [], ["S1"]),  # the hidden middle digits confirm nothing
        ("139****5678", ["S1"], []),  # what the viewer sees, the viewer finds
        ("王小明", [], ["S1"]),
        ("物流", ["S2"], ["S2"]),
    ],
)
def test_search_runs_over_the_masked_text(searchable, search, viewer_hits, officer_hits):
    conn = store.open_snapshot(searchable)
    try:
        period = kpi.Period.month("2025-10")
        got = {
            role: kpi.complaints_list(context.open_context(conn, role=role), period, search=search)[
                "complaint_id"
            ].tolist()
            for role in ("viewer", "privacy_officer")
        }
    finally:
        conn.close()
    assert got == {"viewer": viewer_hits, "privacy_officer": officer_hits}


def test_a_short_row_cannot_show_a_name_in_the_reject_report(tmp_path):
    headers = ["客户姓名", "投诉编号", "受理时间", "责任部门"]
    body = csv_text(headers, [["王小明", "R1", "2025-10-01 09:00", "客服部"]])
    body += "欧阳娜娜,R2,2025-10-01 09:00\r\n"  # a short row: the name is its first cell
    res = import_file(tmp_path / "r.duckdb", ("short.csv", body.encode()))
    assert (res.imported, res.rejected) == (1, 1)
    report = pd.read_csv(res.reject_report, dtype=str, keep_default_na=False)
    assert report[["line", "field", "value"]].values.tolist() == [["3", "(row)", "欧***"]]
