"""HTTP pieces served beside the Streamlit app by ``st.App`` (Starlette, no Streamlit)."""
