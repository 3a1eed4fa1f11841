// The phone's live part, drawn in the browser (see web/phone_page.py for why).
// Every piece of session or participant text is set with textContent, never as HTML.
const SILENT_MS = 25000; // no event for this long: ask /api/view (a proxy buffering SSE)
const RETRY_MS = 5000; // plus up to as much again, so phones do not retry in step
const SEND_TIMEOUT_MS = 15000; // a send with no reply by then is reported as not sent

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) { continue; }
    if (name === "text") { node.textContent = value; }
    else if (name.startsWith("on")) { node.addEventListener(name.slice(2), value); }
    else { node.setAttribute(name, value === true ? "" : value); }
  }
  for (const child of children) { if (child) { node.append(child); } }
  return node;
}

function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

// ---- the kinds: each activities/<kind>/phone.js calls registerKind -----------------
// A kind gives: input(prompt, value, name) -> { node, read() }; optionally
// shown(prompt, value) -> text (its receipt) and results(panel, shown) (its live results).
const KINDS = {};
function registerKind(name, kind) { KINDS[name] = kind; }

function shownValue(prompt, value) {
  const kind = KINDS[prompt.kind];
  if (kind && kind.shown) { return kind.shown(prompt, value); }
  if (Array.isArray(value)) { return value.join("\n"); }
  return String(value);
}

// Bars with a label each: the results of the choice kinds and the scale.
function drawBars(panel, bars, labelOf) {
  for (const bar of bars || []) {
    const fill = el("div", { class: "fill" });
    fill.style.width = `${Math.max(0, Math.min(100, bar.percent))}%`;
    panel.append(el("div", { class: "bar" }, el("p", { text: labelOf(bar) }),
      el("div", { class: "track" }, fill)));
  }
}

