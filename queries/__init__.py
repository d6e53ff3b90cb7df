"""Streamlit-free core: database, import, calendar, rules, KPIs, scoring and reports.

Nothing here imports Streamlit, and nothing connects to a database at import time.
"""
