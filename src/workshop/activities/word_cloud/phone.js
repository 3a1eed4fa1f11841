// Word cloud: a few short text fields.
function wordCloud(prompt, value) {
  const entries = Array.isArray(value) ? value : [];
  const perEntry = prompt.maxWords === 1 ? "one word" : `up to ${prompt.maxWords} words`;
  const noun = prompt.maxWords === 1 ? "Word" : "Answer";
  const hint = prompt.maxEntries > 1
    ? `Up to ${prompt.maxEntries} answers, ${perEntry} each. Empty fields are fine.`
    : `Use ${perEntry}.`;
  const node = el("div", {}, el("p", { class: "caption", text: hint }));
  const inputs = [];
  for (let i = 0; i < prompt.maxEntries; i += 1) {
    const label = prompt.maxEntries > 1 ? `${noun} ${i + 1}` : `Your ${noun.toLowerCase()}`;
    const input = el("input", { type: "text", id: `word-${prompt.id}-${i}`,
      autocomplete: "off", "aria-label": label });
    input.value = entries[i] || "";
    inputs.push(input);
    node.append(el("label", { class: "label small", for: input.id, text: label }), input);
  }
  return { node, read: () => inputs.map((input) => input.value) };
}

registerKind("word_cloud", {
  input: wordCloud,
  results(panel, shown) {
    for (const word of shown.words || []) {
      panel.append(el("p", { class: "word", text: `${word.word}  ×${word.count}` }));
    }
  },
});
