// 100 points: large -/+ buttons and a number field per item, a "points left" bar that
// stays in view while scrolling, and a send button that only sends a valid allocation
// (until then it says what is missing). The server checks the same rules again.
function pointsInput(prompt, value) {
  const budget = prompt.budget;
  const step = prompt.step;
  const cap = prompt.cap || budget;
  const start = value && typeof value === "object" && !Array.isArray(value) ? value : {};
  const given = {};
  for (const item of prompt.options) {
    const v = start[item];
    given[item] = Number.isInteger(v) && v >= 0 ? v : 0;
  }
  const words = (n) => plural(n, "point");
  const total = () => prompt.options.reduce((sum, item) => sum + given[item], 0);

  // What stops this allocation from being sent, in the words the server would use.
  function problem() {
    const spent = total();
    const left = budget - spent;
    for (const item of prompt.options) {
      if (given[item] > cap) { return `At most ${cap} points per item`; }
      if (given[item] % step) { return `Points go in steps of ${step}`; }
    }
    if (left < 0) { return `${words(-left)} too many: take some off`; }
    if (prompt.spendAll && left > 0) {
      return spent === 0 ? `Share your ${words(budget)} to send` : `Spend ${words(left)} more to send`;
    }
    if (spent === 0) { return "Give some points to send"; }
    return null;
  }

  const status = el("p", { class: "points-status", role: "status", "aria-live": "polite" });
  const meterFill = el("div", { class: "points-meter-fill" });
  const meter = el("div", { class: "points-meter", "aria-hidden": "true" }, meterFill);
  const bar = el("div", { class: "points-bar" }, status, meter);
  const rules = [`Share ${words(budget)} in steps of ${step}.`];
  if (prompt.cap && prompt.cap < budget) { rules.push(`At most ${prompt.cap} on one item.`); }
  rules.push(prompt.spendAll ? "Spend them all." : "You may keep some.");
  const list = el("div", { class: "points-items" });
  const rows = [];

  prompt.options.forEach((item, i) => {
    const id = `points-${prompt.id}-${i}`;
    const field = el("input", {
      type: "number", id, class: "points-field", inputmode: "numeric", min: "0",
      max: String(cap), step: String(step), autocomplete: "off",
      "aria-label": `Points for ${item}`,
    });
    field.value = String(given[item]);
    const minus = el("button", { type: "button", class: "points-step",
      "aria-label": `${step} fewer points for ${item}`, text: "−" });
    const plus = el("button", { type: "button", class: "points-step",
      "aria-label": `${step} more points for ${item}`, text: "+" });
    // A typed 15 with steps of 10: − goes to 10 and + to 20 (back onto the steps).
    minus.addEventListener("click", () => {
      const v = given[item];
      set(item, Math.max(0, v % step ? v - (v % step) : v - step));
    });
    plus.addEventListener("click", () => {
      const v = given[item];
      set(item, Math.min(cap, v % step ? v + step - (v % step) : v + step));
    });
    field.addEventListener("input", () => {
      const typed = field.value.trim();
      const n = typed === "" ? 0 : Number(typed);
      given[item] = Number.isInteger(n) && n >= 0 ? Math.min(n, 100000) : 0;
      update(false);
    });
    field.addEventListener("blur", () => { if (field.value.trim() === "") { field.value = "0"; } });
    // What is wrong with this one item, said beside it (not by colour alone).
    const hint = el("p", { class: "points-hint", id: `${id}-hint` });
    field.setAttribute("aria-describedby", hint.id);
    const row = el("div", { class: "points-item" },
      el("label", { class: "points-name", for: id, text: item }),
      el("div", { class: "points-controls" }, minus, field, plus), hint);
    rows.push({ item, field, minus, plus, row, hint });
    list.append(row);
  });

  function set(item, points) {
    given[item] = points;
    update(true);
  }

  let send = null;
  let sendLabel = "";
  function update(fromButton) {
    const spent = total();
    const left = budget - spent;
    if (left < 0) { status.textContent = `${words(-left)} too many (${spent} of ${budget})`; }
    else if (left > 0 && !prompt.spendAll && spent > 0) {
      status.textContent = `${words(left)} left of ${budget} (you may keep them)`;
    } else { status.textContent = `${words(left)} left of ${budget}`; }
    bar.classList.toggle("over", left < 0);
    bar.classList.toggle("done", left === 0);
    meterFill.style.width = `${Math.max(0, Math.min(100, (100 * spent) / budget))}%`;
    for (const r of rows) {
      const v = given[r.item];
      if (fromButton) { r.field.value = String(v); }
      r.minus.disabled = v <= 0;
      r.plus.disabled = v >= cap || left < step;
      r.row.classList.toggle("given", v > 0);
      const wrong = v > cap ? `At most ${cap} points here` : v % step ? `Use steps of ${step}` : "";
      r.field.setAttribute("aria-invalid", String(wrong !== ""));
      r.hint.textContent = wrong;
    }
    // The form's send button is the app's: found once the node is in its form.
    if (!send) {
      const form = list.closest("form");
      send = form ? form.querySelector('button[type="submit"]') : null;
      if (send) { sendLabel = send.textContent; }
    }
    if (send && send.textContent !== "Sending…") {
      const missing = problem();
      send.disabled = missing !== null;
      send.classList.toggle("points-blocked", missing !== null);
      send.textContent = missing === null ? sendLabel : missing;
    }
  }

  const node = el("div", { class: "points" },
    el("p", { class: "caption", text: rules.join(" ") }), bar, list);
  update(false);
  queueMicrotask(() => update(false)); // the app puts the node into its form right after
  return {
    node,
    read: () => Object.fromEntries(prompt.options.map((item) => [item, given[item]])),
  };
}

function pointsShown(prompt, value) {
  const map = value && typeof value === "object" ? value : {};
  const lines = prompt.options.filter((item) => map[item] > 0)
    .map((item) => `${item}: ${plural(map[item], "point")}`);
  const spent = prompt.options.reduce((sum, item) => sum + (Number(map[item]) || 0), 0);
  if (spent < prompt.budget) { lines.push(`(${plural(prompt.budget - spent, "point")} kept)`); }
  return lines.join("\n");
}

registerKind("points", {
  input: pointsInput,
  shown: pointsShown,
  results(panel, shown) {
    panel.append(el("p", { class: "caption",
      text: `Bar = mean points per person (of ${shown.budget}); % = share who gave it any points` }));
    drawBars(panel, shown.bars,
      (bar) => `${bar.label} — mean ${bar.mean} · ${bar.reach}% gave points`);
  },
});
