// Multiple choice: one checkbox per option.
function multipleChoice(prompt, value) {
  const picked = new Set(Array.isArray(value) ? value : []);
  const limit = prompt.maxChoices && prompt.maxChoices < prompt.options.length
    ? prompt.maxChoices : null;
  const group = el("fieldset", { class: "choices" },
    el("legend", { text: limit ? `Choose up to ${limit}` : "Choose all that apply" }));
  prompt.options.forEach((option, i) => {
    group.append(el("label", { class: "choice" },
      el("input", { type: "checkbox", value: String(i), checked: picked.has(option) }),
      el("span", { text: option })));
  });
  return {
    node: group,
    read: () => [...group.querySelectorAll("input:checked")]
      .map((box) => prompt.options[Number(box.value)]),
  };
}

registerKind("multiple_choice", {
  input: multipleChoice,
  results(panel, shown) {
    drawBars(panel, shown.bars, (bar) => `${bar.label} — ${bar.percent} % (${bar.count})`);
  },
});
