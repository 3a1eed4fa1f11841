"""Load and validate YAML session templates (see docs/templates.md).

A template is refused as a whole: every problem is collected with its file, prompt
number, field and reason, so a facilitator can fix them all in one go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .domain.errors import TemplateError, TemplateProblem
from .domain.model import (
    DEFAULT_ENTRIES_PER_PERSON,
    DEFAULT_MIN_ANSWERS_TO_SHOW,
    DEFAULT_TEXT_LIMIT,
    DEFAULT_WORDS_PER_ENTRY,
    PromptKind,
    PromptSpec,
    ResultsMode,
    Template,
)
from .domain.rules import ABSOLUTE_TEXT_LIMIT
from .domain.text import clean_text, has_visible_text

TOP_FIELDS = {"title", "description", "min_answers_to_show", "prompts"}
COMMON_FIELDS = {"kind", "text", "note", "results"}
KIND_FIELDS: dict[PromptKind, set[str]] = {
    PromptKind.SINGLE_CHOICE: {"options"},
    PromptKind.MULTIPLE_CHOICE: {"options", "max_choices"},
    PromptKind.SCALE: {"min", "max", "min_label", "max_label"},
    PromptKind.OPEN_TEXT: {"max_length"},
    PromptKind.WORD_CLOUD: {"max_words", "max_entries"},
}
_MULTILINE = {"description", "text", "note"}
MAX_PROMPTS = 100
MAX_OPTIONS = 12
MAX_PROMPT_TEXT = 500
MAX_OPTION_TEXT = 120


def templates_dir() -> Path:
    """The shipped templates: ``data/templates`` at the project root."""
    return Path(__file__).resolve().parents[2] / "data" / "templates"


def list_template_files(directory: Path | None = None) -> list[Path]:
    """Shipped templates, the leadership workshop first, then by name."""
    folder = directory or templates_dir()
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    return sorted(files, key=lambda p: (not p.stem.startswith("leadership"), p.name))


def load_template_file(path: Path | str) -> Template:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(
            [TemplateProblem(file=path.name, field="(file)", reason=f"cannot be read: {exc}")]
        ) from None
    return parse_template(text, source=path.name, slug=path.stem)


class _TemplateLoader(yaml.SafeLoader):
    """Safe YAML with fewer surprises for people writing templates by hand.

    YAML 1.1 (PyYAML's default) reads ``Yes``/``No``/``on``/``off`` as booleans, ``1:30``
    as the number 90, ``1.10`` as 1.1 and ``2024-05-01`` as a date, so options such as
    ``[Yes, No]`` would silently change or be refused. Here only ``true``/``false`` are
    booleans, only plain decimal numbers are numbers, and everything else stays text.
    """


_TemplateLoader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag.rsplit(":", 1)[-1] not in ("bool", "int", "float", "timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_TemplateLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_TemplateLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


def parse_template(text: str, *, source: str = "template", slug: str = "") -> Template:
    """Parse YAML text into a ``Template`` or raise ``TemplateError`` listing every problem."""
    try:
        data = yaml.load(text, Loader=_TemplateLoader)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        raise TemplateError(
            [TemplateProblem(file=source, field="(file)", reason=_yaml_reason(exc))]
        ) from None
    except (ValueError, RecursionError, MemoryError):
        # PyYAML lets these through for numbers longer than Python converts (4300 digits)
        # and for nesting deeper than the parser's recursion allows.
        raise TemplateError(
            [
                TemplateProblem(
                    file=source,
                    field="(file)",
                    reason="is not a template: it nests too deeply or holds a number too long",
                )
            ]
        ) from None
    return _Validator(source).template(data, slug=slug)


def _yaml_reason(exc: yaml.YAMLError) -> str:
    """'is not valid YAML (line 4): expected ... (while parsing ... that starts on line 3)'."""
    mark = getattr(exc, "problem_mark", None)
    reason = "is not valid YAML"
    if mark is not None:
        reason += f" (line {mark.line + 1})"
    problem = getattr(exc, "problem", None)
    if problem:
        reason += f": {_shown(problem)}"
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        reason += f" ({_shown(context)} that starts on line {context_mark.line + 1})"
    return reason


_SHOWN_LIMIT = 60


def _field_name(key: Any) -> str:
    """A mapping key as a field name in a message (YAML keys may be numbers or long)."""
    if isinstance(key, str):
        return key if len(key) <= _SHOWN_LIMIT else key[:_SHOWN_LIMIT] + "…"
    return _shown(key)


def _shown(value: Any) -> str:
    """A short, safe rendering of a value for a message.

    Only scalars are shown; a list or mapping (which YAML aliases can make huge) is named
    by its type. Strings and numbers are cut, so a message stays one readable line.
    """
    if isinstance(value, str):
        text = value if len(value) <= _SHOWN_LIMIT else value[:_SHOWN_LIMIT] + "…"
        return repr(text)
    if value is None or isinstance(value, bool | float):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 64:
            return "a very long number"
        return repr(value)
    return f"a {type(value).__name__}"


class _Validator:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[TemplateProblem] = []

    def problem(self, field: str, reason: str, number: int | None = None) -> None:
        self.problems.append(
            TemplateProblem(file=self.source, field=field, reason=reason, prompt_number=number)
        )

    def template(self, data: Any, *, slug: str) -> Template:
        if not isinstance(data, dict):
            self.problem("(file)", "must be a mapping with 'title' and 'prompts'")
            raise TemplateError(self.problems)
        for unknown in sorted(set(map(_field_name, data)) - TOP_FIELDS):
            self.problem(unknown, "is not a known field")
        title = self.text(data.get("title"), "title", limit=200, required=True)
        description = self.text(data.get("description"), "description", limit=5000)
        min_answers = self.integer(
            data.get("min_answers_to_show", DEFAULT_MIN_ANSWERS_TO_SHOW),
            "min_answers_to_show",
            low=0,
            high=1000,
        )
        raw_prompts = data.get("prompts")
        prompts: list[PromptSpec] = []
        if not isinstance(raw_prompts, list) or not raw_prompts:
            self.problem("prompts", "must be a non-empty list of prompts")
        elif len(raw_prompts) > MAX_PROMPTS:
            self.problem("prompts", f"has {len(raw_prompts)} prompts; at most {MAX_PROMPTS}")
        else:
            for number, raw in enumerate(raw_prompts, start=1):
                spec = self.prompt(raw, number)
                if spec is not None:
                    prompts.append(spec)
        if self.problems:
            raise TemplateError(self.problems)
        return Template(
            title=title,
            description=description,
            prompts=tuple(prompts),
            min_answers_to_show=min_answers,
            slug=slug,
        )

    def prompt(self, raw: Any, n: int) -> PromptSpec | None:
        if not isinstance(raw, dict):
            self.problem("(prompt)", "must be a mapping with 'kind' and 'text'", n)
            return None
        before = len(self.problems)
        kind_raw = raw.get("kind")
        try:
            kind = PromptKind(kind_raw if isinstance(kind_raw, str) else "")
        except ValueError:
            allowed = ", ".join(k.value for k in PromptKind)
            self.problem("kind", f"is {_shown(kind_raw)}; use one of: {allowed}", n)
            return None
        for unknown in sorted(set(map(_field_name, raw)) - COMMON_FIELDS - KIND_FIELDS[kind]):
            self.problem(unknown, f"is not a field of a {kind.value} prompt", n)
        text = self.text(raw.get("text"), "text", limit=MAX_PROMPT_TEXT, required=True, n=n)
        note = self.text(raw.get("note"), "note", limit=5000, n=n)
        results_raw = raw.get("results", ResultsMode.LIVE.value)
        try:
            results = ResultsMode(results_raw if isinstance(results_raw, str) else "")
        except ValueError:
            self.problem("results", f"is {_shown(results_raw)}; use 'live' or 'on_reveal'", n)
            results = ResultsMode.LIVE
        fields: dict[str, Any] = {}
        if kind in (PromptKind.SINGLE_CHOICE, PromptKind.MULTIPLE_CHOICE):
            options = self.options(raw.get("options"), n)
            fields["options"] = options
            if kind is PromptKind.MULTIPLE_CHOICE:
                max_choices = self.integer(
                    raw.get("max_choices", len(options) or 1),
                    "max_choices",
                    low=1,
                    high=max(1, len(options)),
                    n=n,
                )
                fields["max_choices"] = max_choices
        elif kind is PromptKind.SCALE:
            problems_before = len(self.problems)
            low = self.integer(raw.get("min", 1), "min", low=-100, high=100, n=n)
            high = self.integer(raw.get("max", 5), "max", low=-100, high=100, n=n)
            if len(self.problems) > problems_before:
                pass  # min or max already reported: comparing them would only repeat it
            elif high <= low:
                self.problem("max", f"must be greater than min ({low})", n)
            elif high - low > 20:
                self.problem("max", "a scale may have at most 21 points", n)
            fields.update(
                scale_min=low,
                scale_max=high,
                min_label=self.text(raw.get("min_label"), "min_label", limit=60, n=n),
                max_label=self.text(raw.get("max_label"), "max_label", limit=60, n=n),
            )
        elif kind is PromptKind.OPEN_TEXT:
            fields["max_length"] = self.integer(
                raw.get("max_length", DEFAULT_TEXT_LIMIT),
                "max_length",
                low=10,
                high=ABSOLUTE_TEXT_LIMIT,
                n=n,
            )
        elif kind is PromptKind.WORD_CLOUD:
            fields["max_words"] = self.integer(
                raw.get("max_words", DEFAULT_WORDS_PER_ENTRY), "max_words", low=1, high=3, n=n
            )
            fields["max_entries"] = self.integer(
                raw.get("max_entries", DEFAULT_ENTRIES_PER_PERSON),
                "max_entries",
                low=1,
                high=10,
                n=n,
            )
        if len(self.problems) > before:
            return None
        return PromptSpec(kind=kind, text=text, note=note, results=results, **fields)

    def options(self, raw: Any, n: int) -> tuple[str, ...]:
        if not isinstance(raw, list) or len(raw) < 2:
            self.problem("options", "must be a list of at least 2 choices", n)
            return ()
        if len(raw) > MAX_OPTIONS:
            self.problem("options", f"has {len(raw)} choices; at most {MAX_OPTIONS}", n)
            return ()
        options = [self.text(o, "options", limit=MAX_OPTION_TEXT, required=True, n=n) for o in raw]
        if len({o.casefold() for o in options}) != len(options):
            self.problem("options", "has the same choice twice", n)
        if any("; " in o for o in options):
            # The CSV joins multiple selections with "; ", so a choice must not contain it.
            self.problem("options", "a choice must not contain '; ' (it separates choices)", n)
        return tuple(options)

    def text(
        self, raw: Any, field: str, *, limit: int, required: bool = False, n: int | None = None
    ) -> str:
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, str | int | float)):
            self.problem(field, f"must be text, not {type(raw).__name__}", n)
            return ""
        if isinstance(raw, int) and raw.bit_length() > 64:
            self.problem(field, "is a number far too long to be text", n)
            return ""
        # Control characters and bidi overrides out (a shared template is text from
        # someone else, shown in large type to a room); line breaks kept where they can
        # mean something.
        value = "" if raw is None else clean_text(str(raw), keep_newlines=field in _MULTILINE)
        if not has_visible_text(value):
            if required:
                self.problem(field, "is required and must not be empty", n)
            return ""
        if len(value) > limit:
            self.problem(field, f"is {len(value)} characters long; at most {limit}", n)
        return value

    def integer(self, raw: Any, field: str, *, low: int, high: int, n: int | None = None) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.problem(field, f"must be a whole number, not {_shown(raw)}", n)
            return low
        if not low <= raw <= high:
            self.problem(field, f"is {_shown(raw)}; it must be between {low} and {high}", n)
            return low
        return raw


def check_files(paths: Iterable[Path]) -> list[str]:
    """Messages for every problem in the given files (empty when all are valid)."""
    messages: list[str] = []
    for path in paths:
        try:
            load_template_file(path)
        except TemplateError as exc:
            messages.extend(str(p) for p in exc.problems)
    return messages
