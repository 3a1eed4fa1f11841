"""Following a live session from a phone: pushed, not polled.

``follow_revision`` mounts a tiny listener (``st.components.v2``) that holds one
Server-Sent Events connection to ``/events/<code>`` (see ``workshop.web.events``) and
reruns the surrounding fragment only when the session's revision changes. Idle phones
cost the server nothing. Self-healing rules, in the browser:
- the server restarted (boot id changed): ask for a rerun like for any change. Streamlit's
  own client reconnects its websocket by itself; reloading the page here would throw
  away whatever the participant was typing at that moment.
- nothing heard on the stream for ``SILENT_POLL_MS``: poll, by asking for a rerun.
- a rerun was asked for and nothing was drawn: ask again at half the limit, and reload
  the page only after ``STALE_RELOAD_MS`` plus a random share of ``STALE_JITTER_MS``
  (its Streamlit session is gone, so reruns are dropped). The limit is long and jittered
  because under load a rerun may queue for many seconds, and hundreds of phones
  reloading at the same moment would only add to that load. The reload waits until the
  server answers its health check, so a page never reloads into "site can't be
  reached". The participant's identity lives in a cookie and every answer in the
  database, so a reload loses nothing that was sent.
"""

from __future__ import annotations

import itertools

import streamlit as st

STALE_RELOAD_MS = 45_000
STALE_JITTER_MS = 30_000
# The stream sends an event at least every ``events.HEARTBEAT_SECONDS``; a listener that
# hears nothing for this long (a proxy buffering the stream, a network dropping it) asks
# for a rerun itself, so the page still follows the room, only more slowly.
SILENT_POLL_MS = 25_000

_JS = """
export default function (component) {
  const { data, setTriggerValue } = component;
  const state = (window.__workshopLive = window.__workshopLive || { renders: 0 });
  state.renders += 1;
  state.rendered = data.revision;
  state.trigger = setTriggerValue;
  if (state.source && state.url === data.url) { return; }
  if (state.source) { state.source.close(); }
  if (state.watchdog) { clearInterval(state.watchdog); }
  state.url = data.url;
  state.boot = null;
  state.heardAt = Date.now();
  const reloadOnceServerAnswers = () => {
    fetch("/_stcore/health", { cache: "no-store" })
      .then((reply) => { if (!reply.ok) { throw new Error(reply.status); } location.reload(); })
      .catch(() => setTimeout(reloadOnceServerAnswers, 5000));
  };
  const ask = (value) => {
    const before = state.renders;
    state.trigger("changed", value);
    const limit = data.staleReloadMs + Math.random() * data.staleJitterMs;
    const stuck = () => state.renders === before;
    setTimeout(() => { if (stuck()) { state.trigger("changed", value); } }, limit / 2);
    setTimeout(() => { if (stuck()) { reloadOnceServerAnswers(); } }, limit);
  };
  const source = new EventSource(data.url);
  state.source = source;
  source.onmessage = (event) => {
    state.heardAt = Date.now();
    let message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    const restarted = Boolean(state.boot) && message.boot !== state.boot;
    state.boot = message.boot;
    if (restarted) { state.restarts = (state.restarts || 0) + 1; }
    if (!restarted && message.revision === state.rendered) { return; }
    ask(message.revision);
  };
  state.watchdog = setInterval(() => {
    if (Date.now() - state.heardAt < data.silentMs) { return; }
    state.heardAt = Date.now();
    state.polls = (state.polls || 0) + 1;
    ask("poll");
  }, data.silentMs / 4);
}
"""

_listener = st.components.v2.component("workshop_live_listener", js=_JS)
_draws = itertools.count()  # new data on every draw: the browser counts the draws


def follow_revision(*, code: str, revision: int) -> None:
    """Mount the listener inside the caller's fragment; it reruns that fragment on change."""
    _listener(
        data={
            "url": f"/events/{code}",
            "revision": revision,
            "draw": next(_draws),
            "staleReloadMs": STALE_RELOAD_MS,
            "staleJitterMs": STALE_JITTER_MS,
            "silentMs": SILENT_POLL_MS,
        },
        key="workshop_live_listener",
        on_changed_change=lambda: None,
        height=0,
    )
