// 2×2 matrix: for each item two rows of tap buttons (x, then y) and, when there are
// several items, a Skip toggle. No dragging (WCAG 2.2 2.5.7): a point is a tap.
// read() gives { item: [x, y] } (either may still be null) or { item: null } (skipped);
// a stored answer ({ item: [x, y] }, placed items only) is accepted back as value.
function matrixEnds(axis) {
  const ends = [];
  if (axis.minLabel) { ends.push(`${axis.min} = ${axis.minLabel}`); }
  if (axis.maxLabel) { ends.push(`${axis.max} = ${axis.maxLabel}`); }
  return ends.join("   ·   ");
}

function matrixRange(axis) {
  const low = axis.minLabel ? `${axis.min} (${axis.minLabel})` : String(axis.min);
  const high = axis.maxLabel ? `${axis.max} (${axis.maxLabel})` : String(axis.max);
  return `from ${low} to ${high}`;
}

function matrixStart(prompt, value) {
  const given = value && typeof value === "object" && !Array.isArray(value) ? value : {};
  const several = prompt.items.length > 1;
  const whole = (n) => (Number.isInteger(n) ? n : null);
  const start = {};
  for (const item of prompt.items) {
    const v = Object.prototype.hasOwnProperty.call(given, item) ? given[item] : undefined;
    let x = null;
    let y = null;
    if (Array.isArray(v)) { x = whole(v[0]); y = whole(v[1]); }
    else if (v && typeof v === "object") { x = whole(v.x); y = whole(v.y); }
    // Only a draft holds null for an item: it was skipped on purpose.
    start[item] = { x, y, skipped: several && v === null };
  }
  return start;
}

function matrixInput(prompt, value) {
  const several = prompt.items.length > 1;
  const chosen = matrixStart(prompt, value);
  const node = el("div", { class: "mx" });
  if (several) {
    node.append(el("p", { class: "caption",
      text: "Place each item on both scales, or skip the ones you cannot place." }));
  }
  prompt.items.forEach((item, index) => {
    const place = chosen[item];
    const status = el("p", { class: "mx-status", role: "status", "aria-live": "polite" });
    const group = el("fieldset", { class: "mx-item" },
      several ? el("legend", { text: item }) : null);
    const rows = [];
    const refresh = () => {
      group.classList.toggle("skipped", place.skipped);
      rows.forEach((row) => row.buttons.forEach((b, i) => b.setAttribute(
        "aria-pressed", String(!place.skipped && row.points[i] === place[row.key]))));
      if (skip) { skip.setAttribute("aria-pressed", String(place.skipped)); }
      const done = (place.x !== null) + (place.y !== null);
      status.textContent = place.skipped ? "Skipped."
        : done === 2 ? `Placed: ${place.x} and ${place.y}. ✓`
          : done === 1 ? "Please choose a point on the other scale too."
            : "";
    };
    for (const [key, axis] of [["x", prompt.xAxis], ["y", prompt.yAxis]]) {
      const points = [];
      for (let p = axis.min; p <= axis.max; p += 1) { points.push(p); }
      const labelId = `mx-${prompt.id}-${index}-${key}`;
      const buttons = points.map((point) => el("button", {
        type: "button", class: "mx-point", text: String(point),
        "aria-label": `${point}${point === axis.min && axis.minLabel ? ` (${axis.minLabel})` : ""}${point === axis.max && axis.maxLabel ? ` (${axis.maxLabel})` : ""}`,
        onclick: () => { place[key] = point; place.skipped = false; refresh(); },
      }));
      const ends = matrixEnds(axis);
      group.append(
        el("p", { class: "label", id: labelId, text: axis.name }),
        ends ? el("p", { class: "caption", text: ends }) : null,
        el("div", { class: "mx-scale", role: "group", "aria-labelledby": labelId,
          "aria-description": `${several ? `${item}: ` : ""}${matrixRange(axis)}` }, ...buttons));
      rows.push({ key, points, buttons });
    }
    const skip = several ? el("button", { type: "button", class: "mx-skip",
      text: "Skip this item",
      onclick: () => {
        place.skipped = !place.skipped;
        if (place.skipped) { place.x = null; place.y = null; }
        refresh();
      } }) : null;
    group.append(status);
    if (skip) { group.append(skip); }
    refresh();
    node.append(group);
  });
  return {
    node,
    read: () => Object.fromEntries(prompt.items.map((item) => {
      const place = chosen[item];
      return [item, place.skipped ? null : [place.x, place.y]];
    })),
  };
}

function matrixShown(prompt, value) {
  const given = value && typeof value === "object" && !Array.isArray(value) ? value : {};
  const x = prompt.xAxis;
  const y = prompt.yAxis;
  if (prompt.items.length === 1) {
    const point = given[prompt.items[0]];
    if (!Array.isArray(point)) { return "—"; }
    return `${x.name}: ${point[0]} (of ${x.min}–${x.max})\n${y.name}: ${point[1]} (of ${y.min}–${y.max})`;
  }
  const lines = prompt.items.map((item) => {
    const point = given[item];
    return Array.isArray(point) ? `${item}: ${point[0]} and ${point[1]}` : `${item}: skipped`;
  });
  return `${lines.join("\n")}\n(first ${x.name}, ${x.min}–${x.max}; then ${y.name}, ${y.min}–${y.max})`;
}

registerKind("matrix", {
  input: matrixInput,
  shown: matrixShown,
  results(panel, shown) {
    const single = (shown.items || []).length === 1;
    const placed = (shown.items || []).filter((row) => row.placed);
    if (single) {
      for (const row of placed) {
        panel.append(el("p", { class: "mx-mean", text: `Average: ${shown.xName} ${row.meanX.toFixed(1)}`
          + ` · ${shown.yName} ${row.meanY.toFixed(1)}` }));
      }
    } else if (placed.length) {
      panel.append(el("p", { class: "caption",
        text: `Averages: first ${shown.xName}, then ${shown.yName}` }));
      for (const row of placed) {
        panel.append(el("p", { class: "mx-mean",
          text: `${row.item}: ${row.meanX.toFixed(1)} and ${row.meanY.toFixed(1)}`
            + `  (${plural(row.placed, "placement")})` }));
      }
    }
    if (shown.placements) {
      panel.append(el("p", { class: "label", text: "Share in each quadrant" }));
      drawBars(panel, shown.quadrants, (bar) => `${bar.label} — ${Math.round(bar.percent)} %`);
      panel.append(el("p", { class: "caption",
        text: "One on a middle line counts half to each side." }));
    }
  },
});
