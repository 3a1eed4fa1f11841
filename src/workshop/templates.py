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

from .activities import KINDS, ConfigReader, UnknownKind, get_kind
from .activities.base import SHOWN_LIMIT, shown
from .domain.errors import TemplateError, TemplateProblem
from .domain.model import DEFAULT_MIN_ANSWERS_TO_SHOW, PromptSpec, ResultsMode, Template

TOP_FIELDS = {"title", "description", "min_answers_to_show", "prompts"}
COMMON_FIELDS = {"kind", "text", "note", "results"}
MAX_PROMPTS = 100
MAX_PROMPT_TEXT = 500


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
        reason += f": {shown(problem)}"
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        reason += f" ({shown(context)} that starts on line {context_mark.line + 1})"
    return reason


def _field_name(key: Any) -> str:
    """A mapping key as a field name in a message (YAML keys may be numbers or long)."""
    if isinstance(key, str):
        return key if len(key) <= SHOWN_LIMIT else key[:SHOWN_LIMIT] + "…"
    return shown(key)


class _Validator:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[TemplateProblem] = []

    def reader(self, raw: dict[str, Any], number: int | None = None) -> ConfigReader:
        return ConfigReader(raw, source=self.source, number=number, problems=self.problems)

    def problem(self, field: str, reason: str, number: int | None = None) -> None:
        self.reader({}, number).problem(field, reason)

    def template(self, data: Any, *, slug: str) -> Template:
        if not isinstance(data, dict):
            self.problem("(file)", "must be a mapping with 'title' and 'prompts'")
            raise TemplateError(self.problems)
        for unknown in sorted(set(map(_field_name, data)) - TOP_FIELDS):
            self.problem(unknown, "is not a known field")
        read = self.reader(data)
        title = read.text("title", limit=200, required=True)
        description = read.text("description", limit=5000, multiline=True)
        min_answers = read.integer(
            "min_answers_to_show", DEFAULT_MIN_ANSWERS_TO_SHOW, low=0, high=1000
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
            kind = get_kind(kind_raw)
        except UnknownKind:
            self.problem("kind", f"is {shown(kind_raw)}; use one of: {', '.join(KINDS)}", n)
            return None
        for unknown in sorted(set(map(_field_name, raw)) - COMMON_FIELDS - kind.fields):
            self.problem(unknown, f"is not a field of a {kind.name} prompt", n)
        read = self.reader(raw, n)
        text = read.text("text", limit=MAX_PROMPT_TEXT, required=True, multiline=True)
        note = read.text("note", limit=5000, multiline=True)
        results_raw = raw.get("results", ResultsMode.LIVE.value)
        try:
            results = ResultsMode(results_raw if isinstance(results_raw, str) else "")
        except ValueError:
            self.problem("results", f"is {shown(results_raw)}; use 'live' or 'on_reveal'", n)
            results = ResultsMode.LIVE
        config = kind.parse_config(read)
        if len(self.problems) > before:
            return None
        return PromptSpec(kind=kind.name, text=text, note=note, config=config, results=results)


def check_files(paths: Iterable[Path]) -> list[str]:
    """Messages for every problem in the given files (empty when all are valid)."""
    messages: list[str] = []
    for path in paths:
        try:
            load_template_file(path)
        except TemplateError as exc:
            messages.extend(str(p) for p in exc.problems)
    return messages
