"""Following a live session from a phone: pushed, not polled.

``follow_revision`` mounts a tiny listener (``st.components.v2``) that holds one
Server-Sent Events connection to ``/events/<code>`` (see ``workshop.web.events``) and
reruns the surrounding fragment only when the session's revision changes. Idle phones
cost the server nothing. Self-healing rules, in the browser:
- the server restarted (boot id changed), or the page stayed stale for longer than
  ``STALE_RELOAD_MS`` after a change (its Streamlit session is gone, so a fragment
  rerun is dropped): reload the page. The participant's identity lives in a cookie
  and every answer in the database, so a reload loses nothing.
"""

from __future__ import annotations

import streamlit as st

STALE_RELOAD_MS = 10_000  # generous: under load a fragment rerun may queue for seconds

_JS = """
export default function (component) {
  const { data, setTriggerValue } = component;
  const state = (window.__workshopLive = window.__workshopLive || {});
  state.rendered = data.revision;
  state.renderedAt = Date.now();
  if (state.source && state.url === data.url) { return; }
  if (state.source) { state.source.close(); }
  state.url = data.url;
  state.boot = null;
  const source = new EventSource(data.url);
  state.source = source;
  source.onmessage = (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (state.boot && message.boot !== state.boot) { window.location.reload(); return; }
    state.boot = message.boot;
    if (message.revision === state.rendered) { return; }
    const asked = message.revision;
    state.asked = asked;
    setTriggerValue("changed", asked);
    setTimeout(() => {
      if (state.rendered !== undefined && state.rendered < asked) { window.location.reload(); }
    }, data.staleReloadMs);
  };
}
"""

_listener = st.components.v2.component("workshop_live_listener", js=_JS)


def follow_revision(*, code: str, revision: int) -> None:
    """Mount the listener inside the caller's fragment; it reruns that fragment on change."""
    _listener(
        data={"url": f"/events/{code}", "revision": revision, "staleReloadMs": STALE_RELOAD_MS},
        key="workshop_live_listener",
        on_changed_change=lambda: None,
        height=0,
    )
