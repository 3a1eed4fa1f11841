// Single choice: one radio button per option.
function singleChoice(prompt, value, name) {
  const group = el("fieldset", { class: "choices", role: "radiogroup" },
    el("legend", { text: "Choose one" }));
  prompt.options.forEach((option, i) => {
    group.append(el("label", { class: "choice" },
      el("input", { type: "radio", name, value: String(i), checked: option === value }),
      el("span", { text: option })));
  });
  return {
    node: group,
    read: () => {
      const picked = group.querySelector("input:checked");
      return picked ? prompt.options[Number(picked.value)] : null;
    },
  };
}

registerKind("single_choice", {
  input: singleChoice,
  results(panel, shown) {
    drawBars(panel, shown.bars, (bar) => `${bar.label} — ${bar.percent} % (${bar.count})`);
  },
});
