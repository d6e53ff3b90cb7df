"""Complaint KPI dashboard: a Streamlit app over the Streamlit-free engine ``queries``."""

__version__ = "0.1.0"
