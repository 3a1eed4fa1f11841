"""The only Streamlit importer under src/: cached context, session-state helpers and
reusable render functions. Pages stay thin and call these."""
