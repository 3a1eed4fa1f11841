"""Placeholder: built by the facilitator / phone issues."""

import streamlit as st

st.title("presenter")
