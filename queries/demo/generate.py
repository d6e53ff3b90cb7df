"""Vectorised generation of the demo company's records (NumPy, one seeded generator).

Every column is built as a whole array; nothing loops over rows. Times are int64 seconds
since 1970-01-01 of naive company time, ``NULL_TS`` marks a missing timestamp, ``-1`` a
missing code. The order of the random draws is fixed, so the same (seed, end month, rows,
months) always gives the same arrays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
import numpy as np

from queries.demo import company as co

NULL_TS = np.iinfo(np.int64).min
DAY = 86_400
HOUR = 3_600
EPOCH = dt.date(1970, 1, 1)

# Targets of the generator (the promised ranges in ``queries.demo`` are wider).
REPEAT_TARGET = 0.058  # share of complaints generated as repeats of an earlier one
PARENT_LINK_SHARE = 0.6  # repeats whose record links the earlier complaint
WITHDRAWN_SHARE = 0.004
MALICIOUS_SHARE = 0.005  # of resolved complaints
SURVEY_SHARE = 0.82  # of resolved, non-withdrawn, non-malicious complaints
PENALTY_BASE = 0.33  # chance that a valid complaint gets a penalty record (plus extras)
SECOND_RECORD_SHARE = 0.12  # penalised complaints that also get a management record
JOINT_RECORDED_SHARE = 0.8  # escalated records that carry the joint fine themselves
EXTENDED_SHARE_OF_LATE = 0.12  # late complaints whose customer agreed to an extension

# Chinese New Year (first day) for years the calendar library may not cover.
_NEW_YEAR = {
    2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22), 2024: (2, 10),
    2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13),
    2030: (2, 3), 2031: (1, 23), 2032: (2, 11), 2033: (1, 31), 2034: (2, 19),
    2035: (2, 8), 2036: (1, 28), 2037: (2, 15), 2038: (2, 4), 2039: (1, 24),
}  # fmt: skip


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class Calendar:
    """Days from ``start`` on: working-day flags (Chinese calendar, weekends where the
    library has no data), statutory holidays, and working-day arithmetic."""

    start: dt.date
    working: np.ndarray  # bool per day
    holiday: np.ndarray  # bool per day: a named public holiday
    cum_working: np.ndarray  # working days up to and including each day
    working_days: np.ndarray  # day indexes of the working days, ascending

    @property
    def start_day(self) -> int:
        """Days since 1970 of the first calendar day."""
        return (self.start - EPOCH).days

    def nth_working_after(self, day: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Day index of the n-th working day after ``day`` (n ≥ 1, day not counted)."""
        pos = self.cum_working[day] + n - 1
        return self.working_days[np.minimum(pos, len(self.working_days) - 1)]

    def next_working(self, day: np.ndarray) -> np.ndarray:
        """The day itself when it is a working day, else the next working day."""
        return np.where(self.working[day], day, self.nth_working_after(day, np.ones_like(day)))


def build_calendar(start: dt.date, end: dt.date) -> Calendar:
    """The working calendar for ``[start, end)``."""
    n = (end - start).days
    working = np.zeros(n, dtype=bool)
    holiday = np.zeros(n, dtype=bool)
    for i in range(n):
        d = start + dt.timedelta(days=i)
        try:
            working[i] = chinese_calendar.is_workday(d)
            is_hol, name = chinese_calendar.get_holiday_detail(d)
            holiday[i] = bool(is_hol and name)
        except NotImplementedError:  # year not covered by the library: weekends only
            working[i] = d.weekday() < 5
    cum = np.cumsum(working)
    return Calendar(start, working, holiday, cum, np.flatnonzero(working))


def new_year_month(year: int) -> tuple[int, int]:
    """(year, month) in which the Spring Festival holiday starts."""
    for day in range(15, 62):
        d = dt.date(year, 1, 1) + dt.timedelta(days=day)
        try:
            is_hol, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError:
            break
        if is_hol and name == "Spring Festival":
            return (year, d.month)
    return (year, _NEW_YEAR.get(year, (2, 1))[0])


# --------------------------------------------------------------------------- helpers


def choice_by_group(rng: np.random.Generator, group: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Draw one category per row from the probability row of its group, vectorised.

    Args:
        group: int group index per row.
        probs: (groups, K) probabilities (rows need not be normalised).
    """
    p = probs / probs.sum(axis=1, keepdims=True)
    k = p.shape[1]
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    flat = (np.arange(p.shape[0])[:, None] + cum).ravel()
    u = rng.random(len(group))
    pos = np.searchsorted(flat, group + u, side="right")
    return np.clip(pos - group * k, 0, k - 1).astype(np.int16)


def lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int):
    """Lognormal draws with the given median(s)."""
    return np.exp(np.log(median) + sigma * rng.standard_normal(n))


def _normal_rows(rows: list[tuple[float, ...]]) -> np.ndarray:
    a = np.asarray(rows, dtype=float)
    return a / a.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------- result


@dataclass
class Generated:
    """The generated tables as arrays, plus the dictionaries their codes index."""

    complaints: dict[str, np.ndarray]
    customers: dict[str, np.ndarray]
    penalties: dict[str, np.ndarray]
    volumes: dict[str, np.ndarray]
    handlers: list[str]
    descriptions: list[str]
    resolutions: list[str]
    months: list[dt.date]
    as_of: int
    id_width: int


def month_starts(end_month: str, months: int) -> list[dt.date]:
    """First days of the ``months`` months ending with ``end_month`` (``YYYY-MM``)."""
    y, m = (int(x) for x in end_month.split("-"))
    out = []
    for i in range(months - 1, -1, -1):
        yy, mm = divmod((y * 12 + m - 1) - i, 12)
        out.append(dt.date(yy, mm + 1, 1))
    return out


# --------------------------------------------------------------------------- stories


def _story_matrices(months: list[dt.date]) -> dict[str, np.ndarray]:
    """(departments x months) multipliers that make departments differ and change."""
    nd, nm = len(co.DEPARTMENTS), len(months)
    names = [d.name_zh for d in co.DEPARTMENTS]
    count = np.ones((nd, nm))
    resp = np.ones((nd, nm))
    res = np.ones((nd, nm))
    valid = np.zeros((nd, nm))
    quality = np.zeros((nd, nm))
    volume = np.ones((nd, nm))
    ny_months = {new_year_month(y) for y in range(months[0].year, months[-1].year + 1)}
    for t, m in enumerate(months):
        growth = 1.0 + 0.12 * t / max(1, nm - 1)
        season = 1.0
        if (m.year, m.month) in ny_months:
            season = 0.72  # Spring Festival: shops and offices quiet
        elif m.month == 11:
            season = 1.2
        elif m.month == 6:
            season = 1.08
        count[:, t] *= growth * season
        volume[:, t] *= growth * (0.78 if season == 0.72 else 1.0 + (season - 1.0) * 0.8)
        if (m.year, m.month) in ny_months:
            res[:, t] *= 1.15  # fewer people at work around the holiday
            resp[:, t] *= 1.3
    idx = {n: i for i, n in enumerate(names)}
    for t, m in enumerate(months):
        lg = idx[co.LOGISTICS]
        if m.month == 11:  # Double 11: the warehouse and the vans cannot keep up
            count[lg, t] *= 2.6 / 1.2
            volume[lg, t] *= 1.9 / 1.2
            res[lg, t] *= 2.2
            resp[lg, t] *= 2.0
            quality[lg, t] -= 0.5
            valid[lg, t] += 0.08
        elif m.month == 12:
            count[lg, t] *= 1.4
            res[lg, t] *= 1.4
            resp[lg, t] *= 1.3
        ec = idx[co.ECOMMERCE]
        if m.month == 11:
            count[ec, t] *= 1.9 / 1.2
            volume[ec, t] *= 1.7 / 1.2
        elif m.month == 6:
            count[ec, t] *= 1.5 / 1.08
            volume[ec, t] *= 1.4 / 1.08
        if m.month == 11:
            count[idx[co.CALL_CENTRE], t] *= 1.5 / 1.2
    # 广州天河店: weak until the new head arrives, then steadily better.
    im = idx[co.IMPROVER]
    change = max(1, nm - co.IMPROVER_FROM_END)
    for t in range(nm):
        if t < change:
            count[im, t] *= 1.3
            res[im, t] *= 1.1
            quality[im, t] -= 0.1
        else:
            x = (t - change + 1) / max(1, nm - change)  # 0 → 1 over the new head's months
            count[im, t] *= 1.3 - 0.65 * x
            res[im, t] *= 1.0 - 0.5 * x
            resp[im, t] *= 1.0 - 0.5 * x
            valid[im, t] -= 0.25 * x
            quality[im, t] += 0.9 * x
    # 北京朝阳店: a good store that slides over the last months.
    sl = idx[co.SLIPPER]
    start = max(0, nm - co.SLIPPER_FROM_END)
    for t in range(start, nm):
        x = (t - start + 1) / max(1, nm - start)
        count[sl, t] *= 1.0 + 1.0 * x
        res[sl, t] *= 1.0 + 1.2 * x
        resp[sl, t] *= 1.0 + 1.0 * x
        valid[sl, t] += 0.15 * x
        quality[sl, t] -= 1.0 * x
    return {
        "count": count,
        "resp": resp,
        "res": res,
        "valid": valid,
        "quality": quality,
        "volume": volume,
    }


def _category_probs(months: list[dt.date]) -> np.ndarray:
    """(departments x months, categories) probabilities, with seasonal shifts."""
    nd, nm = len(co.DEPARTMENTS), len(months)
    base = np.array([d.categories for d in co.DEPARTMENTS], dtype=float)
    p = np.repeat(base[:, None, :], nm, axis=1)
    names = [d.name_zh for d in co.DEPARTMENTS]
    cat = {c: i for i, c in enumerate(co.CATEGORIES)}
    for t, m in enumerate(months):
        if m.month == 11:
            p[names.index(co.LOGISTICS), t, cat["交付延迟"]] *= 2.2
            p[names.index(co.CALL_CENTRE), t, cat["交付延迟"]] *= 2.0
            p[names.index(co.ECOMMERCE), t, cat["价格/收费"]] *= 1.6
            p[names.index(co.ECOMMERCE), t, cat["广告宣传"]] *= 1.6
        if m.month == 6:
            p[names.index(co.ECOMMERCE), t, cat["价格/收费"]] *= 1.5
    sl = names.index(co.SLIPPER)
    start = max(0, nm - co.SLIPPER_FROM_END)
    for t in range(start, nm):
        p[sl, t, cat["服务态度"]] *= 1.0 + 1.5 * (t - start + 1) / max(1, nm - start)
    return p.reshape(nd * nm, -1)


# --------------------------------------------------------------------------- main


def generate(rows: int, seed: int, end_month: str, months: int) -> Generated:
    """Generate the demo company's complaints, penalties and business volumes."""
    rng = np.random.default_rng(seed)
    depts = co.DEPARTMENTS
    nd = len(depts)
    mstarts = month_starts(end_month, months)
    nm = len(mstarts)
    cutoff_day = mstarts[-1].replace(day=28) + dt.timedelta(days=4)
    cutoff_day = cutoff_day.replace(day=1)
    cal = build_calendar(mstarts[0], cutoff_day + dt.timedelta(days=220))
    d0 = cal.start_day
    cutoff = ((cutoff_day - EPOCH).days) * DAY
    month_day = np.array([(m - mstarts[0]).days for m in [*mstarts, cutoff_day]])
    month_sec = (month_day + d0) * DAY
    story = _story_matrices(mstarts)

    # ---- how many complaints each department receives each month
    n_rep = round(rows * REPEAT_TARGET)
    n_base = rows - n_rep
    share = np.array([d.share for d in depts])
    expected = share[:, None] * story["count"]
    noisy = expected * rng.gamma(60.0, 1 / 60.0, expected.shape)
    p_cell = (noisy / noisy.sum()).ravel()
    counts = rng.multinomial(n_base, p_cell).astype(np.int64)
    floor = 1 if n_base >= 20 * counts.size else 0
    if floor:
        short = counts < floor
        counts[short] = floor
        excess = counts.sum() - n_base
        while excess > 0:
            big = np.argmax(counts)
            take = min(excess, counts[big] - floor)
            counts[big] -= take
            excess -= take
    cell = np.repeat(np.arange(counts.size), counts)
    dept = (cell // nm).astype(np.int16)
    month = (cell % nm).astype(np.int16)

    # ---- the day (weekday pattern, holidays quieter) and the time of day
    ndays = month_day[-1]
    weekday = (np.arange(ndays) + cal.start.weekday()) % 7
    wday_w = np.array([1.15, 1.06, 1.0, 1.0, 0.96, 0.84, 0.74])[weekday]
    wday_w = np.where(cal.holiday[:ndays], 0.55, wday_w)
    cum = np.concatenate([[0.0], np.cumsum(wday_w)])
    lo, hi = cum[month_day[month]], cum[month_day[month + 1]]
    target = lo + rng.random(n_base) * (hi - lo)
    day = np.searchsorted(cum, target, side="right") - 1
    day = np.clip(day, month_day[month], month_day[month + 1] - 1)

    ch = choice_by_group(rng, dept, np.array([d.channels for d in depts]))
    received = _receipt_seconds(rng, day, ch, d0)
    cat = choice_by_group(rng, cell, _category_probs(mstarts))
    product = choice_by_group(rng, dept, np.array([d.products for d in depts]))
    sev = _severity(rng, ch)
    region = _region(rng, dept)
    handler_names = co.staff_names()
    handlers: list[str] = []
    h_off = np.zeros(nd, dtype=np.int32)
    h_n = np.zeros(nd, dtype=np.int32)
    for i, d in enumerate(depts):
        h_off[i] = len(handlers)
        h_n[i] = d.handlers
        handlers.extend(handler_names[d.name_zh])
    handler = (h_off[dept] + np.floor(rng.random(n_base) ** 1.3 * h_n[dept])).astype(np.int32)
    pool = max(2_000, int(rows * 1.3))
    customer = rng.integers(0, pool, n_base, dtype=np.int64)

    descriptions, desc_off, n_tmpl = _description_table()
    tmpl = np.floor(rng.random(n_base) * n_tmpl[cat]).astype(np.int32)
    desc = desc_off[cat] + tmpl * len(co.PRODUCTS) + product

    # ---- group-complaint incidents: many customers, one department and category, hours
    next_customer = pool
    names = [d.name_zh for d in depts]
    incident_rows = np.zeros(n_base, dtype=bool)
    starts = np.concatenate([[0], np.cumsum(counts)])
    for dname, moy, mday, hour, icat, iprod, size, text in co.INCIDENTS:
        descriptions.append(text)
        di = names.index(dname)
        if moy is None:
            targets = [max(0, nm - 3)]
        else:
            targets = [t for t, m in enumerate(mstarts) if m.month == moy]
            if dname != co.LOGISTICS:
                targets = targets[-1:]
        for tm in targets:
            c = di * nm + tm
            a, b = starts[c], starts[c + 1]
            size_k = min(int(rng.integers(size[0], size[1] + 1)), b - a)
            if size_k < 5:
                continue
            sel = np.arange(a, a + size_k)
            iday = month_day[tm] + mday - 1
            day[sel] = iday
            received[sel] = (
                (d0 + iday) * DAY + hour * HOUR + np.sort(rng.integers(0, 5 * HOUR, size_k))
            )
            cat[sel] = co.CATEGORIES.index(icat)
            product[sel] = co.PRODUCTS.index(iprod)
            desc[sel] = len(descriptions) - 1
            customer[sel] = np.arange(next_customer, next_customer + size_k)
            next_customer += size_k
            sev[sel] = np.where(rng.random(size_k) < 0.3, 1, 0)
            incident_rows[sel] = True

    # ---- repeat complaints: the same customer, same category, within 30 days
    w = np.array([d.repeat for d in depts])[dept] * np.where(incident_rows, 0.0, 1.0)
    parent = np.sort(rng.choice(n_base, size=n_rep, p=w / w.sum()))
    offset = np.clip(lognormal(rng, 4.0 * DAY, 0.9, n_rep), 0.05 * DAY, 29.5 * DAY)
    room = cutoff - 1 - received[parent]
    offset = np.where(offset < room, offset, room * rng.uniform(0.2, 0.9, n_rep))
    c_received = received[parent] + offset.astype(np.int64)
    c_day = c_received // DAY - d0
    c_month = np.searchsorted(month_sec, c_received, side="right") - 1
    c_dept = dept[parent]
    c_ch = choice_by_group(rng, c_dept, np.array([d.channels for d in depts]))
    c_sev = np.where((sev[parent] == 0) & (rng.random(n_rep) < 0.2), 1, sev[parent])
    c_handler = np.where(
        rng.random(n_rep) < 0.5,
        handler[parent],
        h_off[c_dept] + np.floor(rng.random(n_rep) * h_n[c_dept]),
    ).astype(np.int32)
    link = np.where(rng.random(n_rep) < PARENT_LINK_SHARE, parent, -1)

    # ---- all rows, ordered by receipt
    received = np.concatenate([received, c_received])
    day = np.concatenate([day, c_day])
    month = np.concatenate([month, c_month]).astype(np.int16)
    dept = np.concatenate([dept, c_dept]).astype(np.int16)
    ch = np.concatenate([ch, c_ch])
    cat = np.concatenate([cat, cat[parent]])
    product = np.concatenate([product, product[parent]])
    sev = np.concatenate([sev, c_sev]).astype(np.int16)
    region = np.concatenate([region, region[parent]])
    handler = np.concatenate([handler, c_handler])
    customer = np.concatenate([customer, customer[parent]])
    desc = np.concatenate([desc, desc[parent]])
    is_repeat = np.concatenate([np.zeros(n_base, bool), np.ones(n_rep, bool)])
    parent_ref = np.concatenate([np.full(n_base, -1, np.int64), link])
    order = np.lexsort((np.arange(rows), received))
    inverse = np.empty(rows, dtype=np.int64)
    inverse[order] = np.arange(rows)
    cols = [received, day, month, dept, ch, cat, product, sev, region, handler, customer, desc]
    (received, day, month, dept, ch, cat, product, sev, region, handler, customer, desc) = (
        a[order] for a in cols
    )
    del cols  # drop the unsorted copies
    is_repeat = is_repeat[order]
    parent_ref = parent_ref[order]
    parent_ref = np.where(parent_ref >= 0, inverse[np.maximum(parent_ref, 0)], -1)
    first_of_day = np.searchsorted(day, day, side="left")
    seq = np.arange(rows) - first_of_day + 1
    id_width = max(5, len(str(int(seq.max()))))

    # ---- handling times
    n = rows
    t = month.astype(np.int64)
    resp_m = story["resp"][dept, t] * np.array([d.resp for d in depts])[dept]
    res_m = story["res"][dept, t] * np.array([d.res for d in depts])[dept]
    multi = rng.random(n) < np.array([d.multi for d in depts])[dept]
    ack_median = np.array([60, 600, 2_400, 900, 120, 14_400, 5_400], dtype=float)[ch]
    ack_median = ack_median * np.where(sev == 0, 1.0, 0.3)
    ack = received + lognormal(rng, ack_median, 0.8, n).astype(np.int64) + 5
    fr_general = np.array([1.0, 3.0, 5.0, 2.5, 0.8, 10.0, 3.0])[ch]
    fr_median = np.where(sev == 0, fr_general, 0.3) * resp_m * HOUR
    fr_sigma = np.where(sev == 0, 0.95, 0.6)
    fr_gap = np.exp(np.log(fr_median) + fr_sigma * rng.standard_normal(n)).astype(np.int64)
    # complaints arriving out of hours or on a day off wait for the next morning
    sec_of_day = received % DAY
    office = np.isin(ch, [1, 2, 5, 6])  # online, email, letter, transfer
    start = ack.copy()
    night = office & (sev == 0) & ((sec_of_day >= 21 * HOUR) | (sec_of_day < 8 * HOUR))
    next_morning = np.where(sec_of_day >= 21 * HOUR, day + 1, day)
    start = np.where(night, (d0 + next_morning) * DAY + 8 * HOUR + 1_800, start)
    off_day = ~cal.working[day] & office & (sev == 0) & (rng.random(n) < 0.6)
    start = np.where(
        off_day, np.maximum(start, (d0 + cal.next_working(day)) * DAY + 9 * HOUR), start
    )
    first_response = np.maximum(start, ack) + fr_gap

    sev_median = np.array([1.0, 0.45, 2.2])[sev] * np.where(multi, 2.0, 1.0)
    r = lognormal(rng, sev_median * res_m, 0.75, n)
    k = np.clip(np.ceil(r), 1, 80).astype(np.int64)
    same_day = (r < 0.5) & cal.working[day] & (sec_of_day < 17 * HOUR)
    res_day = cal.nth_working_after(day, k)
    resolved = np.where(
        same_day,
        received + (r * 16 * HOUR).astype(np.int64),
        (d0 + res_day) * DAY + 9 * HOUR + rng.integers(0, 10 * HOUR, n),
    )
    resolved = np.maximum(resolved, first_response + 600 + rng.integers(0, 3 * HOUR, n))
    limit_days = np.array([3, 1, 5])[sev]
    limit_days = np.where(multi, np.maximum(limit_days, 7), limit_days)
    deadline = (d0 + cal.nth_working_after(day, limit_days) + 1) * DAY
    late = resolved > deadline
    extend = late & (rng.random(n) < EXTENDED_SHARE_OF_LATE)
    ext_days = np.maximum(k, limit_days + 1) + rng.integers(0, 3, n)
    extended = np.where(extend, (d0 + cal.nth_working_after(day, ext_days) + 1) * DAY, NULL_TS)
    late = np.where(extend, resolved > extended, late)
    del resp_m, res_m, ack_median, fr_median, fr_sigma, fr_gap, start, next_morning
    del sev_median, r, res_day, limit_days, deadline, ext_days

    withdrawn = rng.random(n) < WITHDRAWN_SHARE
    resolved = np.where(
        withdrawn, first_response + lognormal(rng, DAY, 0.8, n).astype(np.int64), resolved
    )
    resolved_ok = resolved < cutoff
    malicious = resolved_ok & ~withdrawn & (rng.random(n) < MALICIOUS_SHARE)
    valid_p = (
        np.array([d.valid for d in depts])[dept]
        + story["valid"][dept, t]
        + 0.08 * late
        + 0.05 * is_repeat
    )
    valid = resolved_ok & ~withdrawn & ~malicious & (rng.random(n) < valid_p)

    surveyable = ~withdrawn & ~malicious
    surveyed_at = resolved + np.maximum(HOUR, lognormal(rng, 26 * HOUR, 0.7, n)).astype(np.int64)
    surveyed = surveyable & (rng.random(n) < SURVEY_SHARE)
    closed = np.where(
        surveyed,
        surveyed_at + lognormal(rng, 4 * HOUR, 0.8, n).astype(np.int64),
        resolved + lognormal(rng, 40 * HOUR, 0.8, n).astype(np.int64),
    )
    closed = np.where(withdrawn, resolved, closed)

    # ---- compensation, satisfaction, escalation, concealment
    comp_p = np.where(valid, 0.16, np.where(resolved_ok & ~withdrawn & ~malicious, 0.02, 0.0))
    has_comp = rng.random(n) < comp_p
    comp_type = choice_by_group(rng, np.zeros(n, np.int64), np.array([[0.35, 0.15, 0.15, 0.35]]))
    amount = np.select(
        [comp_type == 0, comp_type == 1, comp_type == 2],
        [
            np.round(np.clip(lognormal(rng, 200.0, 0.8, n), 20, 5_000), -1),
            np.round(np.clip(lognormal(rng, 150.0, 0.5, n), 30, 800), -1),
            np.round(np.clip(lognormal(rng, 600.0, 0.7, n), 50, 8_000), -1),
        ],
        np.array([50.0, 100.0, 200.0, 300.0, 500.0])[rng.integers(0, 5, n)],
    ) * np.where(sev == 2, 3.0, 1.0)
    comp_type = np.where(has_comp, comp_type, -1).astype(np.int16)
    amount = np.where(has_comp, amount, np.nan)

    latent = (
        0.6
        + np.array([d.quality for d in depts])[dept]
        + story["quality"][dept, t]
        - 1.0 * late
        - 0.5 * is_repeat
        - 0.25 * valid
        + 0.3 * has_comp
        + rng.standard_normal(n)
    )
    score = 1 + np.searchsorted(np.array([-1.6, -1.0, -0.35, 0.45]), latent).astype(np.int16)

    major = sev == 2
    p_esc = (
        0.045 + 0.20 * late + 0.30 * major + 0.05 * (sev == 1) + 0.10 * is_repeat + 0.06 * (ch == 6)
    )
    u = rng.random(n)
    escalation = np.where(u < p_esc * np.where(major, 0.45, 0.2), 3, np.where(u < p_esc, 2, 1))
    concealed = major & (rng.random(n) < 0.04)

    # ---- what is known by the end of the data (cut-off: the first day after end month)
    ack_ok = ack < cutoff
    fr_ok = ack_ok & (first_response < cutoff)
    resolved_ok = fr_ok & (resolved < cutoff)
    sv_ok = resolved_ok & surveyed & (surveyed_at < cutoff)
    cl_ok = resolved_ok & (closed < cutoff) & (~surveyed | sv_ok)
    status = np.select(
        [cl_ok & withdrawn, cl_ok, resolved_ok, fr_ok],
        [4, 3, 2, 1],
        0,
    ).astype(np.int16)
    known = resolved_ok & ~withdrawn
    out_ack = np.where(ack_ok, ack, NULL_TS)
    out_fr = np.where(fr_ok, first_response, NULL_TS)
    out_res = np.where(resolved_ok, resolved, NULL_TS)
    out_cl = np.where(cl_ok, closed, NULL_TS)
    out_sv = np.where(sv_ok, surveyed_at, NULL_TS)
    as_of = int(max(received.max(), *(a.max() for a in (out_ack, out_fr, out_res, out_cl, out_sv))))

    res_text = cat.astype(np.int32) * 3 + rng.integers(0, 3, n)
    res_text = np.where(withdrawn, 3 * len(co.CATEGORIES), res_text)
    resolutions = [r for c in co.CATEGORIES for r in co.RESOLUTIONS[c]] + [co.WITHDRAWN_RESOLUTION]

    complaints = {
        "id_day": (d0 + day).astype(np.int32),
        "seq": seq.astype(np.int32),
        "received_at": received,
        "acknowledged_at": out_ack,
        "first_response_at": out_fr,
        "resolved_at": out_res,
        "closed_at": out_cl,
        "channel": ch,
        "category": cat,
        "severity": sev,
        "department": dept,
        "handler": handler,
        "customer": customer,
        "status": status,
        "is_valid": np.where(known, valid, False),
        "is_valid_known": resolved_ok,
        "is_malicious": np.where(resolved_ok, malicious & ~withdrawn, False),
        "satisfaction": np.where(sv_ok, score, -1).astype(np.int16),
        "surveyed_at": out_sv,
        "escalation_level": escalation.astype(np.int16),
        "parent_day": np.where(parent_ref >= 0, (d0 + day[np.maximum(parent_ref, 0)]), -1),
        "parent_seq": np.where(parent_ref >= 0, seq[np.maximum(parent_ref, 0)], -1),
        "multi_department": multi,
        "extended_deadline": extended,
        "concealed": concealed,
        "compensation_type": np.where(resolved_ok, comp_type, -1).astype(np.int16),
        "compensation_amount": np.where(resolved_ok, amount, np.nan),
        "region": region,
        "product": product,
        "description": desc.astype(np.int32),
        "resolution": np.where(resolved_ok, res_text, -1).astype(np.int32),
        # not stored: used for the penalties
        "_late": late,
        "_valid": known & valid,
        "_month": month,
    }
    # the handling ladder from its own random stream (the other columns stay as they were)
    complaints.update(_ladder(np.random.default_rng([seed, 16]), complaints, cutoff))
    customers = _customers(np.random.default_rng([seed, 1]), next_customer)
    penalties = _penalties(rng, complaints, cal, as_of, mstarts, handlers)
    vol = _volumes(rng, rows, nm, story)
    return Generated(
        complaints=complaints,
        customers=customers,
        penalties=penalties,
        volumes=vol,
        handlers=handlers,
        descriptions=descriptions,
        resolutions=resolutions,
        months=mstarts,
        as_of=as_of,
        id_width=id_width,
    )


#: Departments whose source exports no handling-ladder columns (their stages: not measured).
NO_LADDER_DEPARTMENTS: tuple[str, ...] = ("华北分公司", "北京朝阳店", "天津和平店")
LADDER_COLUMNS: tuple[str, ...] = (
    "classified_at",
    "responsibility_assigned_at",
    "investigation_started_at",
    "manager_contacted_at",
    "escalated_t1_at",
    "escalated_t2_at",
    "escalated_t3_at",
    "return_visit_outcome",
    "revisited_at",
    "revisit_outcome",
    "record_completed_at",
    "root_cause",
)
# root causes (schema.ROOT_CAUSES order) per category (company.CATEGORIES order)
_ROOT_CAUSE_P = np.array(
    [
        [0.55, 0.10, 0.05, 0.02, 0.03, 0.15, 0.03, 0.02, 0.03, 0.02],
        [0.00, 0.10, 0.20, 0.50, 0.00, 0.00, 0.12, 0.03, 0.03, 0.02],
        [0.00, 0.15, 0.05, 0.05, 0.20, 0.00, 0.15, 0.25, 0.13, 0.02],
        [0.05, 0.35, 0.05, 0.05, 0.10, 0.30, 0.05, 0.00, 0.03, 0.02],
        [0.00, 0.10, 0.05, 0.05, 0.00, 0.00, 0.40, 0.20, 0.18, 0.02],
        [0.00, 0.20, 0.05, 0.05, 0.00, 0.05, 0.20, 0.30, 0.13, 0.02],
        [0.35, 0.20, 0.20, 0.05, 0.02, 0.10, 0.03, 0.02, 0.01, 0.02],
        [0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10],
    ]
)


def _ladder(
    rng: np.random.Generator, c: dict[str, np.ndarray], cutoff: int
) -> dict[str, np.ndarray]:
    """Stage timestamps, visit outcomes and root causes (docs/definitions.md#handling-ladder),
    with realistic gaps: a few stage times missing, and departments whose source has none."""
    n = len(c["received_at"])
    received, sev = c["received_at"], c["severity"]
    resolved, surveyed, score = c["resolved_at"], c["surveyed_at"], c["satisfaction"]
    has_res, has_sv = resolved != NULL_TS, surveyed != NULL_TS
    names = [d.name_zh for d in co.DEPARTMENTS]
    lacking = np.isin(c["department"], [names.index(x) for x in NO_LADDER_DEPARTMENTS])

    def after(start: np.ndarray, median_h: float, sigma: float, keep: np.ndarray) -> np.ndarray:
        t = start + np.maximum(60, lognormal(rng, median_h * HOUR, sigma, n)).astype(np.int64)
        ok = keep & ~lacking & (start != NULL_TS) & (t < cutoff) & (rng.random(n) > 0.03)
        return np.where(ok, t, NULL_TS)

    everyone = np.ones(n, bool)
    classified = after(received, 5.0, 1.0, everyone)
    assigned = after(np.where(classified != NULL_TS, classified, received), 6.0, 0.9, everyone)
    investigated = after(received, 9.0, 1.0, everyone)
    manager = after(received, 1.1, 0.7, sev == 2)
    level = c["escalation_level"]
    t1 = after(received, 0.2, 0.6, level >= 2)
    skip_t1 = (level >= 2) & (rng.random(n) < 0.12)  # some escalate straight to the manager
    t1 = np.where(skip_t1, NULL_TS, t1)
    base_t2 = np.where(t1 != NULL_TS, t1, received)
    t2 = after(base_t2, 0.3, 0.7, level >= 2)
    t3 = after(np.where(t2 != NULL_TS, t2, received), 0.5, 0.7, level >= 3)
    record = after(resolved, 20.0, 1.0, has_res)
    outcome = np.where(
        score <= 2,
        np.where(rng.random(n) < 0.9, 1, 2),
        np.where(score == 3, np.where(rng.random(n) < 0.7, 0, 1), 0),
    )
    outcome = np.where(has_sv & ~lacking, outcome, -1).astype(np.int16)
    dissatisfied = has_sv & ((score <= 2) | (outcome == 1))
    revisit = after(surveyed, 40.0, 0.9, dissatisfied & (rng.random(n) < 0.8))
    revisit_outcome = np.where(revisit != NULL_TS, (rng.random(n) < 0.4).astype(np.int16), -1)
    cause = choice_by_group(rng, c["category"].astype(np.int64), _ROOT_CAUSE_P)
    cause = np.where(has_res & ~lacking & (rng.random(n) > 0.08), cause, -1).astype(np.int16)
    return {
        "classified_at": classified,
        "responsibility_assigned_at": assigned,
        "investigation_started_at": investigated,
        "manager_contacted_at": manager,
        "escalated_t1_at": t1,
        "escalated_t2_at": t2,
        "escalated_t3_at": t3,
        "return_visit_outcome": outcome,
        "revisited_at": revisit,
        "revisit_outcome": revisit_outcome.astype(np.int16),
        "record_completed_at": record,
        "root_cause": cause,
    }


def _receipt_seconds(
    rng: np.random.Generator, day: np.ndarray, ch: np.ndarray, d0: int
) -> np.ndarray:
    """Receipt time: business hours for phone and counters, evenings too for online."""
    hours = np.arange(24)
    office = np.where((hours >= 8) & (hours < 21), 1.0, 0.0)
    office[[9, 10, 11, 14, 15, 16]] = 1.8
    office[[12, 13]] = 1.2
    online = np.full(24, 0.2)
    online[7:24] = 1.0
    online[[10, 11, 15, 20, 21, 22]] = 1.7
    online[[0, 1, 2, 3, 4, 5]] = [0.4, 0.2, 0.1, 0.05, 0.05, 0.1]
    desk = np.where((hours >= 9) & (hours < 17), 1.0, 0.0)
    desk[12] = 0.3
    walk_in = np.where((hours >= 10) & (hours < 21), 1.0, 0.0)
    walk_in[[14, 15, 16, 19, 20]] = 1.6
    # channel order: phone, online, email, social, walk_in, letter, transfer
    table = np.array([office, online, online, online, walk_in, desk, desk])
    hour = choice_by_group(rng, ch.astype(np.int64), table).astype(np.int64)
    return (d0 + day) * DAY + hour * HOUR + rng.integers(0, HOUR, len(day))


def _severity(rng: np.random.Generator, ch: np.ndarray) -> np.ndarray:
    """Grade: general most, urgent some, major ~1.5%; regulator transfers are graver."""
    probs = np.array(
        [
            [0.877, 0.11, 0.013],  # phone
            [0.89, 0.10, 0.010],  # online
            [0.89, 0.10, 0.010],  # email
            [0.86, 0.125, 0.015],  # social
            [0.87, 0.115, 0.015],  # walk-in
            [0.85, 0.12, 0.030],  # letter
            [0.70, 0.25, 0.050],  # transfer (12315 and the like)
        ]
    )
    return choice_by_group(rng, ch.astype(np.int64), probs)


def _region(rng: np.random.Generator, dept: np.ndarray) -> np.ndarray:
    """A store's or branch's own region; central departments serve every region."""
    own = np.array(
        [co.REGIONS.index(d.region) if d.region else -1 for d in co.DEPARTMENTS], dtype=np.int16
    )[dept]
    drawn = choice_by_group(rng, np.zeros(len(dept), np.int64), np.array([co.REGION_SHARE]))
    return np.where(own >= 0, own, drawn).astype(np.int16)


def _description_table() -> tuple[list[str], np.ndarray, np.ndarray]:
    """All description texts (category x template x product) with per-category offsets."""
    texts: list[str] = []
    off = np.zeros(len(co.CATEGORIES), dtype=np.int32)
    n_tmpl = np.zeros(len(co.CATEGORIES), dtype=np.int32)
    for i, c in enumerate(co.CATEGORIES):
        off[i] = len(texts)
        n_tmpl[i] = len(co.DESCRIPTIONS[c])
        for tmpl in co.DESCRIPTIONS[c]:
            texts.extend(tmpl.format(p=p) for p in co.PRODUCTS)
    return texts, off, n_tmpl


def _customers(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Name parts and mobile number of every customer number (one name per customer)."""
    sur = rng.choice(len(co.SURNAMES), size=n, p=co.SURNAME_P).astype(np.int16)
    g1 = rng.integers(0, len(co.GIVEN), n).astype(np.int16)
    g2 = np.where(rng.random(n) < 0.7, rng.integers(0, len(co.GIVEN), n), -1).astype(np.int16)
    prefix = np.array(co.PHONE_PREFIXES, dtype=np.int64)[rng.integers(0, len(co.PHONE_PREFIXES), n)]
    phone = prefix * 100_000_000 + rng.integers(0, 100_000_000, n)
    return {"surname": sur, "given1": g1, "given2": g2, "phone": phone}


def _penalties(
    rng: np.random.Generator,
    c: dict[str, np.ndarray],
    cal: Calendar,
    as_of: int,
    months: list[dt.date],
    handlers: list[str],
) -> dict[str, np.ndarray]:
    """Penalty records for valid, non-malicious complaints (docs/definitions.md#accountability)."""
    eligible = np.flatnonzero(c["_valid"])
    esc = c["escalation_level"][eligible] >= 2
    major = c["severity"][eligible] == 2
    p = np.minimum(0.95, PENALTY_BASE + 0.12 * esc + 0.3 * major)
    chosen = eligible[rng.random(len(eligible)) < p]
    second = chosen[rng.random(len(chosen)) < SECOND_RECORD_SHARE]
    comp = np.concatenate([chosen, second])
    kind = np.concatenate([np.zeros(len(chosen), np.int8), np.ones(len(second), np.int8)])
    order = np.lexsort((kind, comp))
    comp, kind = comp[order], kind[order]
    m = len(comp)
    # responsibility: employee / management / institutional
    resp = choice_by_group(rng, np.zeros(m, np.int64), np.array([[0.75, 0.15, 0.10]]))
    resp = np.where(kind == 1, 1, resp).astype(np.int16)
    dept = c["department"][comp]
    month = c["_month"][comp]
    improver = [d.name_zh for d in co.DEPARTMENTS].index(co.IMPROVER)
    change = max(1, len(months) - co.IMPROVER_FROM_END)
    old_head = (dept == improver) & (month < change)
    # person: the handler for employee responsibility, else the head (code -1 / -2 = head)
    person = np.where(resp == 0, c["handler"][comp], -1).astype(np.int32)
    head_code = np.where(old_head, 1, 0).astype(np.int8)  # 1: the previous head
    cause_w = np.array([[w for _, w in co.PENALTY_CAUSES]])
    cause = choice_by_group(rng, np.zeros(m, np.int64), cause_w)
    # measure: verbal, written, fine, suspension, demotion, dismissal
    measure = choice_by_group(
        rng,
        resp.astype(np.int64),
        np.array(
            [
                [0.30, 0.30, 0.32, 0.04, 0.02, 0.02],
                [0.10, 0.45, 0.40, 0.0, 0.05, 0.0],
                [0.15, 0.55, 0.30, 0.0, 0.0, 0.0],
            ]
        ),
    )
    fine = np.round(np.clip(lognormal(rng, 300.0, 0.7, m), 50, 2_000) / 50) * 50
    small = np.round(rng.uniform(50, 200, m) / 10) * 10
    u = rng.random(m)
    fine = np.select(
        [measure == 2, (measure == 1) & (u < 0.4), (measure >= 3) & (u < 0.5)],
        [fine, small, np.maximum(fine, 500)],
        np.nan,
    )
    esc = c["escalation_level"][comp] >= 2
    joint = np.where(
        esc & ~np.isnan(fine) & (rng.random(m) < JOINT_RECORDED_SHARE), fine * 0.5, np.nan
    )
    # dates (days since 1970)
    resolved_day = c["resolved_at"][comp] // DAY
    inv_end = resolved_day + np.clip(lognormal(rng, 2.0, 0.8, m), 0, 12).astype(np.int64)
    as_of_day = as_of // DAY
    keep = inv_end <= as_of_day  # investigation finished by the end of the data
    due = inv_end + np.where(resp == 0, 15, 30)
    delay = np.where(resp == 0, lognormal(rng, 5.0, 0.6, m), lognormal(rng, 11.0, 0.6, m))
    overdue = rng.random(m) < 0.08
    delay = np.where(overdue, (due - inv_end) + rng.integers(1, 21, m), delay).astype(np.int64)
    decided = inv_end + np.maximum(1, delay)
    forgotten = rng.random(m) < 0.015
    has_decision = (decided <= as_of_day) & ~forgotten
    publicized = decided + 1
    pub_ok = has_decision & (publicized <= as_of_day)
    window_open = publicized + 15 > as_of_day
    # appeal: none, pending, upheld, revoked, changed
    appeal = choice_by_group(
        rng,
        window_open.astype(np.int64),
        np.array([[0.87, 0.01, 0.065, 0.02, 0.035], [0.80, 0.20, 0.0, 0.0, 0.0]]),
    )
    appeal = np.where(pub_ok, appeal, np.where(has_decision, 0, -1)).astype(np.int16)
    executed = publicized + 15 + rng.integers(0, 8, m)
    exec_ok = pub_ok & np.isin(appeal, [0, 2, 4]) & (executed <= as_of_day)
    # status: 待决定, 已决定, 已执行, 已撤销
    status = np.select([~has_decision, appeal == 3, exec_ok], [0, 3, 2], 1).astype(np.int16)
    null_day = np.int64(-(2**31))
    out = {
        "complaint": comp,
        "person": person,
        "head_code": head_code,
        "department": dept,
        "responsibility_type": resp,
        "cause": cause,
        "measure": measure,
        "fine_amount": fine,
        "joint_fine_amount": joint,
        "investigation_end": inv_end,
        "decided_at": np.where(has_decision, decided, null_day),
        "executed_at": np.where(exec_ok, executed, null_day),
        "publicized_from": np.where(pub_ok, publicized, null_day),
        "appeal_status": appeal,
        "status": status,
    }
    return {k: v[keep] for k, v in out.items()}


def _volumes(
    rng: np.random.Generator, rows: int, nm: int, story: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Monthly business volume per department: complaints per 10,000 units ≈ its rate."""
    share = np.array([d.share for d in co.DEPARTMENTS])
    rate = np.array([d.rate for d in co.DEPARTMENTS])
    base = rows / nm * share / share.sum() * 10_000 / rate
    noise = rng.normal(1.0, 0.04, (len(share), nm))
    volume = np.round(base[:, None] * story["volume"] * noise).astype(np.int64)
    dept, month = np.divmod(np.arange(volume.size), nm)
    return {"department": dept, "month": month, "volume": np.maximum(volume.ravel(), 1)}
