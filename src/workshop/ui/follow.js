// A facilitator screen follows the room by push (see ui/follow.py for why).
// One EventSource per page on /events/<code>/screen; a pulse that differs from the one
// the page was drawn from reruns the enclosing fragment (or page) via a trigger value.
const SHOW_OFFLINE_MS = 1500; // a lost stream says "reconnecting…" only after this long
// A rerun asked for is awaited (the component is drawn again at the end of the run)
// before the next one: a new rerun would interrupt a run still drawing, and a busy
// server would never finish one. Past this, ask again anyway (a lost run).
const RUN_WAIT_MS = 3000;

function createFollow(data) {
  const state = {
    url: data.url, drawn: null, fired: null, boot: null, firedAt: 0,
    gapMs: data.gapMs, timer: null, trigger: null, source: null, lostAt: null,
  };
  const line = document.createElement("div");
  line.className = "ws-follow-line";
  line.setAttribute("aria-live", "polite");
  line.style.cssText = "position:fixed;left:14px;bottom:10px;font:600 18px sans-serif;" +
    "color:#6b7280;z-index:2147483647;pointer-events:none;display:none";
  line.textContent = "Reconnecting…";

  function fire(pulse) {
    clearTimeout(state.timer);
    state.timer = null;
    state.fired = pulse;
    state.firedAt = Date.now();
    if (state.trigger) { state.trigger("change", `${pulse}@${state.firedAt}`); }
  }

  function consider(pulse) {
    if (pulse === state.drawn || pulse === state.fired) { return; }
    const drawn = state.drawn ? JSON.parse(state.drawn) : null;
    const now = JSON.parse(pulse);
    // A facilitator action (new revision) or deletion redraws at once; the room's own
    // changes (answers, joins) at most every gapMs.
    const base = state.fired ? JSON.parse(state.fired) : drawn; // asked for, else drawn
    const moved = !base || !now || base[0] !== now[0];
    const sinceFired = Date.now() - state.firedAt;
    const running = state.fired !== null && sinceFired < RUN_WAIT_MS;
    const wait = running ? RUN_WAIT_MS - sinceFired : state.firedAt + state.gapMs - Date.now();
    // A facilitator action may interrupt a run still drawing (what it draws is stale).
    if (moved || (!running && wait <= 0)) { fire(pulse); return; }
    if (!state.timer) {
      state.timer = setTimeout(() => { state.timer = null; consider(state.latest); }, wait);
    }
  }

  function listen() {
    const source = new EventSource(state.url);
    state.source = source;
    source.onopen = () => { state.lostAt = null; line.style.display = "none"; };
    source.onmessage = (event) => {
      state.lostAt = null;
      line.style.display = "none";
      let message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      const pulse = JSON.stringify(message.pulse);
      state.latest = pulse;
      if (state.boot !== null && message.boot !== state.boot) {
        // The server restarted: this tab's Streamlit session is gone, and a new one does
        // not know this fragment. Reload (the URL carries everything) to follow again.
        window.location.reload();
        return;
      } else {
        consider(pulse);
      }
      state.boot = message.boot;
    };
    source.onerror = () => {
      if (state.lostAt === null) { state.lostAt = Date.now(); }
    };
  }

  state.watch = setInterval(() => {
    const open = state.source && state.source.readyState === EventSource.OPEN;
    if (!open && state.lostAt === null) { state.lostAt = Date.now(); }
    if (!open && Date.now() - state.lostAt > SHOW_OFFLINE_MS) { line.style.display = "block"; }
  }, 500);

  listen();
  return {
    state, line,
    stop() {
      clearInterval(state.watch);
      clearTimeout(state.timer);
      if (state.source) { state.source.close(); }
      line.remove();
    },
    update(next, trigger) {
      state.trigger = trigger;
      state.fired = null; // drawn: the run asked for (if any) has finished
      clearTimeout(state.timer);
      state.timer = null;
      state.drawn = JSON.stringify(next.pulse);
      state.gapMs = next.gapMs;
      if (state.latest && state.latest !== state.drawn) { consider(state.latest); }
    },
  };
}

export default function (component) {
  const { parentElement, data, setTriggerValue } = component;
  let follow = window.__workshopFollow;
  if (!follow || follow.state.url !== data.url) {
    if (follow) { follow.stop(); }
    follow = window.__workshopFollow = createFollow(data);
  }
  if (follow.line.parentNode !== parentElement) { parentElement.append(follow.line); }
  follow.update(data, setTriggerValue);
}
