"""The Streamlit side of the dashboard: shared filters (``state``), the cached data
boundary (``data``), page building blocks (``components``) and the Plotly theme
(``theme``). See each module's docstring; pages use only these and ``queries.i18n``.
"""
