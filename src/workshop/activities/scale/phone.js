// Scale: one tap button per point.
function scaleInput(prompt, value) {
  const points = [];
  for (let p = prompt.scaleMin; p <= prompt.scaleMax; p += 1) { points.push(p); }
  const ends = [];
  if (prompt.minLabel) { ends.push(`${prompt.scaleMin} = ${prompt.minLabel}`); }
  if (prompt.maxLabel) { ends.push(`${prompt.scaleMax} = ${prompt.maxLabel}`); }
  let chosen = Number.isInteger(value) ? value : null;
  const row = el("div", { class: "scale", role: "group",
    "aria-label": `Your rating, from ${prompt.scaleMin} to ${prompt.scaleMax}` });
  const buttons = points.map((point) => el("button", {
    type: "button", class: "point", "aria-pressed": String(point === chosen), text: String(point),
    onclick: () => {
      chosen = point;
      buttons.forEach((b, i) => b.setAttribute("aria-pressed", String(points[i] === chosen)));
    },
  }));
  row.append(...buttons);
  const node = el("div", {},
    el("p", { class: "label", text: `Your rating, from ${prompt.scaleMin} to ${prompt.scaleMax}` }),
    ends.length ? el("p", { class: "caption", text: ends.join("   ·   ") }) : null,
    row);
  return { node, read: () => chosen };
}

registerKind("scale", {
  input: scaleInput,
  shown: (prompt, value) => `${value}  (on a scale from ${prompt.scaleMin} to ${prompt.scaleMax})`,
  results(panel, shown) {
    drawBars(panel, shown.bars, (bar) => `${bar.label} — ${bar.count}`);
    if (shown.mean !== undefined && shown.mean !== null) {
      panel.append(el("p", { class: "caption", text: `Average ${shown.mean.toFixed(1)}` }));
    }
  },
});
