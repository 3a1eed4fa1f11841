"""Helpers for the phone in a real browser (Playwright's sync API), shared by tests/browser.

- ``wait_shown``: wait for a text (or a heading) the phone draws;
- ``join_url_from_presenter``: the QR code of a presenter page, decoded from a 1920×1080
  screenshot exactly as a phone camera reads it;
- ``phone_token``: the participant token a browser context holds (its cookie);
- ``contrast_report`` / ``overflow_report``: what a screen shows, measured in the page:
  the WCAG contrast of every visible text against what is really behind it, and anything
  wider than the screen.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pyzbar.pyzbar import decode

from tests.browser.conftest import PROJECTOR
from workshop.web.participant_cookie import PARTICIPANT_COOKIE

UI_TIMEOUT_MS = 20_000  # first loads and reconnects on a busy 2-core machine
RECEIVED = "Received — thank you!"


def wait_shown(page: Page, text: str, timeout_ms: int = UI_TIMEOUT_MS) -> None:
    """Wait for an element whose whole text is ``text`` (or a heading named so)."""
    locator = page.get_by_text(text, exact=True).or_(page.get_by_role("heading", name=text))
    expect(locator.first).to_be_visible(timeout=timeout_ms)


def join_url_from_presenter(browser: Browser, presenter_url: str, shown: str) -> str:
    """Open the presenter on a 1920×1080 projector (once ``shown`` is on it) and decode
    its one QR code."""
    context = browser.new_context(**PROJECTOR)
    try:
        page = context.new_page()
        page.goto(presenter_url)
        expect(page.get_by_text(shown).first).to_be_visible(timeout=UI_TIMEOUT_MS)
        page.wait_for_timeout(1000)  # let the image paint
        shot = Image.open(io.BytesIO(page.screenshot()))
        found = [d.data.decode() for d in decode(shot) if d.type == "QRCODE"]
    finally:
        context.close()
    assert len(found) == 1, f"expected one QR code on the presenter, found {found}"
    return found[0]


def phone_token(context: BrowserContext) -> str | None:
    """The participant cookie this browser keeps (None where it keeps none)."""
    return next((c["value"] for c in context.cookies() if c["name"] == PARTICIPANT_COOKIE), None)


# What is behind a text, exactly as the browser paints solid colours: the text's colour
# (premultiplied) is composited over its element's background, then each ancestor's
# opacity applies to everything so far and its background goes beneath, up to the white
# canvas. The same walk without the text gives the background; WCAG 2 contrast between
# the two. Text is every visible element's own text, a field's value, or its placeholder.
_CONTRAST_JS = """
() => {
  const parse = (css) => {
    const m = css.match(/rgba?\\(([^)]*)\\)/);
    if (!m) { return null; }
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0] / 255, p[1] / 255, p[2] / 255, p.length > 3 ? p[3] : 1];
  };
  const premultiplied = (c) => [c[0] * c[3], c[1] * c[3], c[2] * c[3], c[3]];
  const over = (top, bottom) => top.map((v, i) => v + bottom[i] * (1 - top[3]));
  const faded = (c, o) => c.map((v) => v * o);
  const luminance = (c) => {
    const lin = (v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  };
  const painted = (element, colour) => {
    let text = premultiplied(colour);
    let back = [0, 0, 0, 0];
    for (let n = element; n; n = n.parentElement) {
      const style = getComputedStyle(n);
      const bg = parse(style.backgroundColor);
      if (bg === null) { return null; }
      const below = premultiplied(bg);
      text = over(text, below);
      back = over(back, below);
      const opacity = parseFloat(style.opacity);
      text = faded(text, opacity);
      back = faded(back, opacity);
    }
    const white = [1, 1, 1, 1];
    return [over(text, white), over(back, white)];
  };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v * 255)
    .toString(16).padStart(2, "0")).join("");
  const found = [];
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TITLE", "HEAD"]);
  for (const element of document.body.querySelectorAll("*")) {
    if (skip.has(element.tagName) || element.closest("noscript, script")) { continue; }
    const rect = element.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) { continue; }
    if (!element.checkVisibility({ visibilityProperty: true })) { continue; }
    const style = getComputedStyle(element);
    const texts = [];
    const own = [...element.childNodes]
      .filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim();
    if (own) { texts.push([own, style.color]); }
    if (element.matches("input[type=text], input[type=number], input:not([type]), textarea")) {
      if (element.value.trim()) { texts.push([element.value.trim(), style.color]); }
      else if (element.placeholder) {
        texts.push([`placeholder: ${element.placeholder}`,
          getComputedStyle(element, "::placeholder").color]);
      }
    }
    for (const [text, css] of texts) {
      const colour = parse(css);
      const result = colour === null ? null : painted(element, colour);
      if (result === null) {
        found.push({ text, ratio: 0, colour: css, background: "?", cls: element.className });
        continue;
      }
      const [fg, bg] = result;
      const [a, b] = [luminance(fg), luminance(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      found.push({ text: text.slice(0, 80), ratio: Math.round(ratio * 100) / 100,
        colour: hex(fg), background: hex(bg), cls: String(element.className),
        tag: element.tagName.toLowerCase(),
        privacy: element.closest(".privacy") !== null });
    }
  }
  return found;
}
"""


def contrast_report(page: Page) -> list[dict[str, Any]]:
    """Every visible text on the page: {text, ratio, colour, background, cls, privacy}."""
    return page.evaluate(_CONTRAST_JS)


_OVERFLOW_JS = """
() => {
  const width = window.innerWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest("noscript, script")) { continue; }
    const rect = element.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1 || !element.checkVisibility()) { continue; }
    if (rect.left < -0.5 || rect.right > width + 0.5) {
      wide.push(`${element.tagName.toLowerCase()}.${element.className}: ` +
        `${Math.round(rect.left)}..${Math.round(rect.right)} of ${width}`);
    }
    if (element.scrollWidth > element.clientWidth + 1 &&
        getComputedStyle(element).overflowX !== "visible") {
      wide.push(`${element.tagName.toLowerCase()}.${element.className} scrolls sideways: ` +
        `${element.scrollWidth} > ${element.clientWidth}`);
    }
  }
  return {
    innerWidth: width,
    scrollWidth: document.documentElement.scrollWidth,
    wide: wide.slice(0, 20),
  };
}
"""


def overflow_report(page: Page) -> dict[str, Any]:
    """{innerWidth, scrollWidth, wide: elements beyond the screen or scrolling sideways}."""
    return page.evaluate(_OVERFLOW_JS)
