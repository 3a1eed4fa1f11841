// ---- the app -----------------------------------------------------------------------

// What a participant typed but did not send yet, per prompt; kept in sessionStorage so
// that a reload, a closed-then-reopened prompt or a refused send gives it back.
function draftStore(code) {
  const key = (promptId) => `workshop:${code}:draft:${promptId}`;
  return {
    get(promptId) {
      try {
        const raw = sessionStorage.getItem(key(promptId));
        return raw === null ? undefined : JSON.parse(raw);
      } catch (error) { return undefined; }
    },
    set(promptId, value) {
      try { sessionStorage.setItem(key(promptId), JSON.stringify(value)); } catch (error) { /* full or off */ }
    },
    drop(promptId) {
      try { sessionStorage.removeItem(key(promptId)); } catch (error) { /* off */ }
    },
  };
}

function createPhone(data) {
  const state = {
    code: data.code, token: data.token, urls: data.urls,
    view: null, drawnKey: null, resultsKey: null,
    // prompt id -> { value, revision } stored from this phone; revision: the session's
    // revision when it was stored (a later revision with no answers at all = a reset)
    answers: {},
    asked: {}, // prompt ids whose stored answer was asked for (after going back)
    highest: 0, // the highest question number this page has shown
    lastStored: null, // { prompt, number } of the answer stored last
    editing: false,
    heardAt: Date.now(), source: null,
    stats: { events: 0, draws: 0, polls: 0, sent: 0, stored: 0 },
  };
  const drafts = draftStore(data.code);
  const root = el("div", { class: "phone" });
  const header = el("p", { class: "header" });
  const earlier = el("p", { class: "earlier", role: "status" });
  const notice = el("div", { class: "notice", role: "alert" });
  const main = el("div", { class: "main" });
  const results = el("div", { class: "results" });
  root.append(header, earlier, notice, main, results);

  const say = (slot, text, tone) => {
    slot.replaceChildren();
    if (text) { slot.append(el("div", { class: `box ${tone}`, text })); }
  };
  const mineOf = (promptId) => {
    const known = state.answers[promptId];
    return known === undefined ? undefined : known.value;
  };
  const confirmSaved = (stored) => {
    earlier.textContent = `✓ Your answer to question ${stored.number} was saved.`;
  };

  function drawHeader(view) {
    const parts = [view.session.title, view.session.code.replace(/^(...)(...)$/, "$1-$2")];
    if (view.prompt) { parts.push(`question ${view.prompt.number} of ${view.session.count}`); }
    header.textContent = parts.join(" · ");
  }

  function receipt(prompt, value) {
    return el("div", { class: "received" },
      el("div", { class: "box success", text: "Received — thank you! You can change it while answering is open." }),
      el("p", { class: "label", text: "Your answer" }),
      el("p", { class: "answer", text: shownValue(prompt, value) }));
  }

  function drawOpen(prompt) {
    const mine = mineOf(prompt.id);
    const parts = [el("h2", { class: "question", tabindex: "-1", text: prompt.text })];
    if (mine !== undefined && !state.editing) {
      parts.push(receipt(prompt, mine), el("button", {
        type: "button", class: "secondary", text: "Change my answer",
        onclick: () => { state.editing = true; redraw(); },
      }));
      main.replaceChildren(...parts);
      return;
    }
    const kind = KINDS[prompt.kind];
    if (!kind) { // a kind this page does not know (the server was updated): never guess
      main.replaceChildren(parts[0], el("div", { class: "box warning",
        text: "This question needs a newer version of this page. Please reload the page." }));
      return;
    }
    const draft = drafts.get(prompt.id);
    const input = kind.input(prompt, draft !== undefined ? draft : mine, `choice-${prompt.id}`);
    const message = el("div", { class: "message", role: "alert" });
    const send = el("button", { type: "submit", class: "primary",
      text: mine === undefined ? "Send my answer" : "Update my answer" });
    const form = el("form", { class: "answer-form", novalidate: true }, input.node, send, message);
    const keep = () => drafts.set(prompt.id, input.read());
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("click", () => setTimeout(keep, 0)); // scale points
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit(prompt, input.read(), send, message);
    });
    parts.push(form);
    if (mine !== undefined) {
      parts.push(el("button", { type: "button", class: "secondary", text: "Keep my answer",
        onclick: () => { drafts.drop(prompt.id); state.editing = false; redraw(); } }));
    }
    main.replaceChildren(...parts);
  }

  function drawClosed(prompt) {
    const mine = mineOf(prompt.id);
    main.replaceChildren(el("div", { class: "waiting" },
      el("h2", { class: "closed", tabindex: "-1", text: "Answering is closed" }),
      el("p", { class: "caption", text: `Question ${prompt.number}: ${prompt.text}` }),
      mine === undefined ? null : el("p", { class: "label", text: "Your answer" }),
      mine === undefined ? null : el("p", { class: "answer", text: shownValue(prompt, mine) }),
      el("div", { class: "box info", text: "Stay on this page: the next question appears here by itself." })));
  }

  function drawResults(view) {
    const shown = view.results;
    const key = JSON.stringify(shown);
    if (key === state.resultsKey) { return; }
    state.resultsKey = key;
    results.replaceChildren();
    if (!shown) { return; }
    const panel = el("div", { class: "panel" }, el("p", { class: "label", text: "Results so far" }));
    if (shown.n < shown.needed) {
      panel.append(el("p", { class: "caption", text: shown.needed === 1
        ? "Results appear after the first answer."
        : `Results appear once ${shown.needed} people have answered (${shown.n} so far).` }));
    } else {
      panel.append(el("p", { class: "caption", text: plural(shown.n, "answer") }));
      const kind = KINDS[shown.kind];
      if (kind && kind.results) { kind.results(panel, shown); }
    }
    results.append(panel);
  }

  function drawGone() {
    state.drawnKey = "gone";
    header.textContent = "";
    results.replaceChildren();
    main.replaceChildren(el("h2", { class: "question", text: "This session no longer exists." }),
      el("a", { class: "button-link", href: "?", text: "Join another session" }));
    stop();
  }

  function drawEnded(view) {
    state.drawnKey = "ended";
    header.textContent = view.session.title;
    results.replaceChildren();
    earlier.textContent = "";
    main.replaceChildren(el("h2", { class: "question", text: "Thank you!" }),
      el("div", { class: "box success", text: "This session has ended. Thank you for taking part!" }),
      el("p", { text: "You can close this page now. Your answers stay anonymous." }));
    stop();
  }

  function redraw() {
    const key = state.drawnKey;
    state.drawnKey = null;
    show(state.view, key);
  }

  // The facilitator deleted this prompt's answers ("reset"): forget ours, ask again.
  function forgetIfReset(view) {
    const prompt = view.prompt;
    const known = state.answers[prompt.id];
    if (known !== undefined && prompt.answered === 0 && view.revision > known.revision) {
      delete state.answers[prompt.id];
      state.editing = false;
      state.drawnKey = null;
    }
  }

  // Going back to an earlier question after a reload: this page never saw our answer
  // to it, so ask once (going forward costs nothing: those were not answered yet).
  function askForMine(prompt) {
    if (state.asked[prompt.id] || state.answers[prompt.id] !== undefined) { return; }
    if (prompt.number >= state.highest) { return; }
    state.asked[prompt.id] = true;
    fetch(`${state.urls.mine}/${prompt.id}${state.token ? `?p=${state.token}` : ""}`,
      { cache: "no-store", credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((reply) => {
        if (!reply || reply.value === null || state.answers[prompt.id] !== undefined) { return; }
        state.answers[prompt.id] = { value: reply.value, revision: reply.revision };
        if (state.view && state.view.prompt && state.view.prompt.id === prompt.id) { redraw(); }
      })
      .catch(() => { state.asked[prompt.id] = false; });
  }

  function show(view, previousKey) {
    if (view === null) { drawGone(); return; }
    if (state.drawnKey === "gone" || state.drawnKey === "ended") { return; }
    if (state.view && view.revision < state.view.revision && view.session.status === "live") {
      return; // an older view (a slow poll overtaken by a push)
    }
    state.view = view;
    if (view.session.status !== "live") { drawEnded(view); return; }
    const prompt = view.prompt;
    forgetIfReset(view);
    const key = `${prompt.id}:${prompt.open}`;
    if (key !== state.drawnKey) {
      const before = state.drawnKey || previousKey || null;
      const movedOn = before !== null && !before.startsWith(`${prompt.id}:`);
      const focusWasHere = main.contains(document.activeElement)
        || (root.getRootNode().activeElement && main.contains(root.getRootNode().activeElement));
      if (movedOn) { state.editing = false; }
      say(notice, ""); // a warning about the previous state (moved on, closed) is stale now
      state.drawnKey = key;
      drawHeader(view);
      // Once the room moved on, say (once) that the last answer sent from here was stored.
      const stored = state.lastStored;
      if (stored && stored.prompt !== prompt.id && movedOn) {
        confirmSaved(stored);
        state.lastStored = null;
      } else if (movedOn) {
        earlier.textContent = "";
      }
      if (prompt.open) { drawOpen(prompt); } else { drawClosed(prompt); }
      if (movedOn && focusWasHere) { main.querySelector("h2")?.focus(); }
      state.stats.draws += 1;
      askForMine(prompt);
      state.highest = Math.max(state.highest, prompt.number);
    }
    drawResults(view);
    root.dataset.prompt = String(prompt.id);
    root.dataset.revision = String(view.revision);
  }

  async function submit(prompt, value, send, message) {
    if (send.disabled) { return; } // this form is sending already
    send.disabled = true;
    const label = send.textContent;
    send.textContent = "Sending…";
    say(message, "");
    state.stats.sent += 1;
    let reply = null;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
    try {
      const response = await fetch(state.urls.answer, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        signal: abort.signal,
        body: JSON.stringify({ code: state.code, prompt: prompt.id, value, p: state.token }),
      });
      reply = await response.json().catch(() => null);
    } catch (error) {
      reply = null;
    }
    clearTimeout(timer);
    send.disabled = false;
    send.textContent = label;
    if (reply === null) {
      say(message, "Could not reach the server, so your answer may not have been sent. Please tap Send again in a moment.", "error");
      return;
    }
    const current = state.view && state.view.prompt ? state.view.prompt.id : null;
    if (reply.ok) {
      state.stats.stored += 1;
      // No revision (the server could not read it): never take this answer for reset.
      const revision = Number.isInteger(reply.revision) ? reply.revision : Number.MAX_SAFE_INTEGER;
      state.answers[prompt.id] = { value: reply.value, revision };
      drafts.drop(prompt.id);
      if (current === prompt.id) {
        state.lastStored = { prompt: prompt.id, number: prompt.number };
        state.editing = false;
        say(notice, "");
        earlier.textContent = ""; // the receipt below says it now; an older "saved" is stale
        redraw();
      } else { // the room moved on while this answer travelled: it is stored all the same
        confirmSaved({ number: prompt.number });
      }
      return;
    }
    if (reply.reason === "unknown") {
      await poll(); // if the session itself is gone, say so on the whole screen
      if (state.drawnKey === "gone") { return; }
    }
    if (reply.reason === "moved" || reply.reason === "closed" || reply.reason === "ended") {
      const why = reply.reason === "moved" ? `${reply.message} Here is the current question.`
        : `${reply.message} The answer you just sent was not taken.`;
      await poll(); // draw where the room is first: drawing a new prompt clears the notice
      say(notice, why, "warning");
      return;
    }
    say(message, reply.message || "Your answer was not taken. Please try again.", "error");
  }

  async function poll() {
    state.stats.polls += 1;
    try {
      const response = await fetch(state.urls.view, { cache: "no-store", credentials: "same-origin" });
      if (response.ok) { show(await response.json()); return; }
      const reply = await response.json().catch(() => null);
      if (response.status === 404 && reply && reply.reason === "unknown") { show(null); }
    } catch (error) { /* the server is away; the stream reconnects by itself */ }
  }

  // Live results alone (web/events.py): the new tally of the prompt on screen.
  function showResults(message) {
    const view = state.view;
    if (state.drawnKey === "gone" || state.drawnKey === "ended" || !view || !view.prompt) { return; }
    if (message.revision < view.revision) { return; } // older than what is drawn
    if (message.revision > view.revision || message.prompt !== view.prompt.id) {
      poll(); // this phone missed a change: ask for the whole view
      return;
    }
    state.view = { ...view, results: message.results };
    drawResults(state.view);
  }

  function listen() {
    const source = new EventSource(state.urls.events);
    state.source = source;
    source.onmessage = (event) => {
      state.heardAt = Date.now();
      state.stats.events += 1;
      let message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (!("view" in message) && "results" in message) { showResults(message); return; }
      show(message.view);
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED && state.source === source) {
        const wait = RETRY_MS * (1 + Math.random());
        setTimeout(() => { if (state.source === source) { poll(); listen(); } }, wait);
      }
    };
  }

  function stop() {
    if (state.source) { state.source.close(); state.source = null; }
    clearInterval(state.watchdog);
    document.removeEventListener("visibilitychange", onVisible);
  }

  // A phone waking up: its stream may have died while asleep without an error yet.
  function onVisible() {
    const open = state.source && state.source.readyState === EventSource.OPEN;
    if (document.visibilityState === "visible" && state.source && !open) { poll(); }
  }

  state.watchdog = setInterval(() => {
    if (Date.now() - state.heardAt < SILENT_MS) { return; }
    state.heardAt = Date.now();
    poll();
  }, SILENT_MS / 4);
  document.addEventListener("visibilitychange", onVisible);

  return {
    root, state, stop,
    update(next) {
      if (next.mine && state.answers[next.mine.prompt] === undefined) {
        state.answers[next.mine.prompt] = { value: next.mine.value, revision: next.view.revision };
      }
      show(next.view);
      if (!state.source && state.drawnKey !== "gone" && state.drawnKey !== "ended") { listen(); }
    },
  };
}

// The page (web/phone_html.py) carries the data to start from as JSON; the script is
// deferred, so the document is parsed by the time this runs.
(function boot() {
  const holder = document.getElementById("phone");
  const source = document.getElementById("phone-data");
  if (!holder || !source) { return; } // a screen without the live part (code entry, ended)
  const data = JSON.parse(source.textContent);
  if (data.cleanUrl) { history.replaceState(null, "", data.cleanUrl); } // the cookie works
  const phone = window.__workshopPhone = createPhone(data);
  holder.replaceChildren(phone.root);
  phone.update(data);
  // When the first prompt was drawn, for whoever measures the page (browser tests, bench).
  if (window.performance && performance.mark) { performance.mark("workshop:first-draw"); }
})();
