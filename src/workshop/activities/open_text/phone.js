// Open text: a text box with a live character counter.
function openText(prompt, value) {
  // No maxlength: a pasted text would be cut silently; the counter turns red instead and
  // the server says what is too long.
  const box = el("textarea", { id: `text-${prompt.id}`, rows: "5",
    placeholder: "Type here…", "aria-label": "Your answer" });
  box.value = typeof value === "string" ? value : "";
  const counter = el("p", { class: "counter" });
  const count = () => {
    counter.textContent = `${box.value.length}/${prompt.maxLength}`;
    counter.classList.toggle("over", box.value.length > prompt.maxLength);
  };
  box.addEventListener("input", count);
  count();
  const node = el("div", {},
    el("label", { class: "label", for: box.id,
      text: `Your answer (up to ${prompt.maxLength} characters)` }),
    box, counter);
  return { node, read: () => box.value };
}

registerKind("open_text", {
  input: openText,
  results(panel, shown) {
    for (const card of shown.cards || []) { panel.append(el("div", { class: "card", text: card })); }
  },
});
