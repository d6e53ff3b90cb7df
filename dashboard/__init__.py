"""Complaint KPI dashboard: a Streamlit app over a Streamlit-free core (``dashboard.core``)."""

__version__ = "0.1.0"
