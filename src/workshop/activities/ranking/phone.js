// Ranking: tap the items in order of preference; they move into a numbered "My ranking"
// list. Tap a ranked item again to take it out; ↑/↓ move it. No dragging (WCAG 2.5.7).

// Without storage (private mode, blocked), the order stays put for this page at least.
const RANKING_PAGE_SEED = Math.floor(Math.random() * 4294967296);

// A seed per prompt kept on this phone, so the items come in the same shuffled order
// after a reload (prompt ids are unique across sessions, so no other prompt shares it).
function rankingSeed(prompt) {
  const key = `workshop:ranking-order:${prompt.id}`;
  try {
    const kept = Number.parseInt(localStorage.getItem(key) || "", 10);
    if (Number.isInteger(kept) && kept >= 0) { return kept; }
    const seed = Math.floor(Math.random() * 4294967296);
    localStorage.setItem(key, String(seed));
    return seed;
  } catch (error) { return (RANKING_PAGE_SEED + prompt.id) % 4294967296; }
}

// A Fisher-Yates shuffle driven by mulberry32: the same seed, the same order.
function rankingShuffle(items, seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function rankingOrdinal(n) {
  if (n % 100 >= 10 && n % 100 <= 20) { return `${n}th`; }
  return `${n}${({ 1: "st", 2: "nd", 3: "rd" })[n % 10] || "th"}`;
}

function rankingInput(prompt, value) {
  const options = prompt.options;
  const places = prompt.rankTop || options.length;
  // A draft or the stored answer: keep known items, once each, at most `places`.
  const ranked = [];
  for (const item of Array.isArray(value) ? value : []) {
    if (options.includes(item) && !ranked.includes(item) && ranked.length < places) {
      ranked.push(item);
    }
  }
  const shuffled = rankingShuffle(options, rankingSeed(prompt));
  let instruction = "Tap every item, best first";
  if (prompt.rankTop) {
    instruction = places === 1 ? "Tap your first choice" : `Tap your top ${places}, best first`;
  }
  const status = el("p", { class: "rank-status", role: "status", "aria-live": "polite" });
  const list = el("ol", { class: "rank-list", "aria-label": "My ranking" });
  const pool = el("div", { class: "rank-pool", role: "group", "aria-label": "Items to rank" });
  const poolLabel = el("p", { class: "label small" });
  const problem = el("div", { class: "rank-problem", role: "alert" });

  const missing = () => {
    const more = places - ranked.length;
    if (more <= 0) { return ""; }
    const what = more === 1 ? "1 more item" : `${more} more items`;
    if (places === 1 && prompt.rankTop) { return "Please pick your first choice."; }
    return prompt.rankTop ? `Please pick your top ${places}: ${what} to place.`
      : `Please rank every item: ${what} to place.`;
  };

  function render(focus) {
    problem.textContent = "";
    const done = ranked.length >= places;
    const more = places - ranked.length;
    status.textContent = done ? `${ranked.length} of ${places} ranked — ready to send.`
      : `${ranked.length} of ${places} ranked — ${more} to go.`;
    list.replaceChildren();
    if (!ranked.length) {
      list.append(el("li", { class: "rank-empty", text: "Nothing ranked yet: tap an item below." }));
    }
    ranked.forEach((item, i) => {
      const at = i + 1;
      list.append(el("li", { class: "rank-row" },
        el("button", { type: "button", class: "rank-item ranked", "data-at": String(at),
          "aria-label": `${rankingOrdinal(at)}: ${item}. Tap to take it out.`,
          onclick: () => {
            ranked.splice(i, 1);
            render(ranked.length ? `[data-at="${Math.min(at, ranked.length)}"]` : ".rank-pool button");
          } },
        el("span", { class: "rank-number", "aria-hidden": "true", text: String(at) }),
        el("span", { class: "rank-text", text: item })),
        el("button", { type: "button", class: "rank-move", "data-up": String(at), text: "↑",
          "aria-label": `Move ${item} up`, disabled: i === 0,
          onclick: () => {
            [ranked[i - 1], ranked[i]] = [ranked[i], ranked[i - 1]];
            render(i - 1 === 0 ? `[data-down="1"]` : `[data-up="${i}"]`);
          } }),
        el("button", { type: "button", class: "rank-move", "data-down": String(at), text: "↓",
          "aria-label": `Move ${item} down`, disabled: i === ranked.length - 1,
          onclick: () => {
            [ranked[i + 1], ranked[i]] = [ranked[i], ranked[i + 1]];
            render(i + 2 === ranked.length ? `[data-up="${i + 2}"]` : `[data-down="${i + 2}"]`);
          } })));
    });
    const left = shuffled.filter((item) => !ranked.includes(item));
    poolLabel.textContent = left.length ? (done ? "Not ranked" : "Still to rank") : "";
    pool.replaceChildren(...left.map((item, i) => el("button", {
      type: "button", class: "rank-item", "data-item": String(i),
      "aria-label": done ? `${item}: take one out of your ranking first`
        : `${item}: rank it ${rankingOrdinal(ranked.length + 1)}`,
      onclick: () => {
        if (ranked.length >= places) {
          problem.textContent = places === 1
            ? "You have your first choice: tap it to take it out first."
            : `You have your top ${places}: tap one in your ranking to take it out first.`;
          return;
        }
        ranked.push(item);
        render(left.length > 1 ? `.rank-pool [data-item="${Math.min(i, left.length - 2)}"]`
          : `[data-at="${ranked.length}"]`);
      },
    }, el("span", { class: "rank-text", text: item }))));
    // The tapped button was redrawn: put the focus on its natural successor.
    if (focus) { (node.querySelector(focus) || node.querySelector(".rank-item"))?.focus(); }
  }

  const node = el("div", { class: "ranking" },
    el("p", { class: "label", text: instruction }),
    el("p", { class: "caption", text: "Tap a ranked item again to take it out; ↑ ↓ move it." }),
    el("p", { class: "label small", text: "My ranking" }),
    list, status, poolLabel, pool, problem);
  render();

  // Send only a complete ranking: say what is missing here instead of sending. The
  // form is built around this node right after input() returns, hence the microtask;
  // a capture listener on the form runs before the app's own submit handler.
  Promise.resolve().then(() => {
    const form = node.closest("form");
    if (!form) { return; }
    form.addEventListener("submit", (event) => {
      if (!node.isConnected || ranked.length >= places) { return; }
      event.preventDefault();
      event.stopImmediatePropagation();
      problem.textContent = missing();
    }, true);
  });
  return { node, read: () => ranked.slice() };
}

registerKind("ranking", {
  input: rankingInput,
  shown: (prompt, value) => (Array.isArray(value)
    ? value.map((item, i) => `${i + 1}. ${item}`).join("\n") : String(value)),
  results(panel, shown) {
    const top = shown.top === 1 ? "1st place" : `top ${shown.top}`;
    drawBars(panel, shown.bars, (bar) => `${bar.label} — ${bar.points} points · ${bar.top}% in ${top}`);
    if (shown.rule) { panel.append(el("p", { class: "caption", text: shown.rule })); }
  },
});
