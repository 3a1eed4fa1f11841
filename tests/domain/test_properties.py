"""Property tests: whatever arrives, validation either returns a value within the prompt's
limits or raises the one error a person can be shown; template loading likewise."""

from __future__ import annotations

import unicodedata

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.activities import KINDS, make_spec, validate_answer
from workshop.domain.errors import InvalidAnswer, TemplateError
from workshop.domain.model import PromptSpec, ResultsMode, Template
from workshop.domain.rules import ABSOLUTE_TEXT_LIMIT
from workshop.templates import parse_template

# The five kinds these properties were written for (every kind: tests/activities).
ORIGINAL_KINDS = ("single_choice", "multiple_choice", "scale", "open_text", "word_cloud")

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# ---- answers --------------------------------------------------------------------------

# Text that hostile or careless people send: every Unicode category (surrogates too),
# with controls, bidi overrides, joiners, separators and emoji over-represented.
_TRICKY = "\x00\x07\t\r\n\x1b\x7f\x85\u200b\u200d\u2028\u2029\u202e\u2066\ufeff\u3164 ,;-=@+"
tricky_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(exclude_categories=())),  # surrogates included
    st.text(alphabet=st.sampled_from(_TRICKY + "ab Zé👍🏽"), max_size=200),
    st.text(min_size=250, max_size=400),
    st.builds(lambda n, c: c * n, st.integers(0, 10_000), st.sampled_from(["x", "é", "👍", " "])),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**6000), max_value=10**6000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(),
    tricky_text,
    st.binary(max_size=50),
    st.dates(),
    st.datetimes(),
)
any_value = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.lists(children, max_size=6).map(tuple),
        st.dictionaries(st.text(max_size=5), children, max_size=4),
        st.frozensets(st.integers(), max_size=4),
    ),
    max_leaves=20,
)
option_text = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() == s and s)


@st.composite
def prompt_specs(draw: st.DrawFn) -> PromptSpec:
    kind = draw(st.sampled_from(ORIGINAL_KINDS))
    if kind in ("single_choice", "multiple_choice"):
        options = tuple(draw(st.lists(option_text, min_size=2, max_size=8, unique_by=str.casefold)))
        if kind == "single_choice":
            return make_spec(kind, text="Q", options=options)
        max_choices = draw(st.one_of(st.none(), st.integers(1, len(options))))
        return make_spec(kind, text="Q", options=options, max_choices=max_choices)
    if kind == "scale":
        low = draw(st.integers(-100, 99))
        high = draw(st.integers(low + 1, min(100, low + 20)))
        return make_spec(kind, text="Q", scale_min=low, scale_max=high)
    if kind == "open_text":
        return make_spec(kind, text="Q", max_length=draw(st.integers(10, 2000)))
    return make_spec(
        kind,
        text="Q",
        max_words=draw(st.integers(1, 3)),
        max_entries=draw(st.integers(1, 10)),
        max_length=draw(st.integers(10, 280)),
    )


@st.composite
def plausible_answers(draw: st.DrawFn, spec: PromptSpec) -> object:
    """Answers shaped like what the phone's widgets send, so valid ones are found often."""
    options = getattr(spec.config, "options", ())
    if options:
        picked = draw(st.lists(st.sampled_from(options), max_size=len(options)))
        extra = draw(st.lists(tricky_text, max_size=2))
        return draw(st.sampled_from([picked, picked[:1], (picked or [""])[0], picked + extra]))
    if spec.kind == "scale":
        value = draw(st.integers(spec.config.scale_min - 2, spec.config.scale_max + 2))
        return draw(st.sampled_from([value, str(value), f" {value} ", float(value)]))
    words = draw(st.lists(tricky_text, max_size=12))
    return draw(st.sampled_from([", ".join(words), words, words[0] if words else ""]))


def assert_within_limits(spec: PromptSpec, value: object) -> None:
    kind = spec.kind
    if kind == "single_choice":
        assert isinstance(value, str) and value in spec.config.options
    elif kind == "multiple_choice":
        assert isinstance(value, list) and value
        assert all(isinstance(v, str) and v in spec.config.options for v in value)
        limit = spec.config.max_choices or len(spec.config.options)
        assert len(set(value)) == len(value) <= limit
        assert value == [o for o in spec.config.options if o in value]  # template order
    elif kind == "scale":
        assert type(value) is int and spec.config.scale_min <= value <= spec.config.scale_max
    elif kind == "open_text":
        assert isinstance(value, str) and value.strip() == value and value
        assert len(value) <= min(spec.config.max_length, ABSOLUTE_TEXT_LIMIT * 4)
        assert_clean(value, newlines_allowed=True)
    else:
        assert isinstance(value, list) and 1 <= len(value) <= spec.config.max_entries
        folded = [v.casefold() for v in value]
        assert len(set(folded)) == len(folded)
        for entry in value:
            assert isinstance(entry, str) and entry and entry.strip() == entry
            assert len(entry) <= min(spec.config.max_length, 60)
            assert len(entry.split()) <= spec.config.max_words
            assert_clean(entry, newlines_allowed=False)


def assert_clean(text: str, *, newlines_allowed: bool) -> None:
    text.encode("utf-8")  # always storable
    for ch in text:
        if ch == "\n" and newlines_allowed:
            continue
        assert unicodedata.category(ch) not in ("Cc", "Cs"), repr(ch)
        assert ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"


def check(spec: PromptSpec, raw: object) -> None:
    try:
        value = validate_answer(spec, raw)
    except InvalidAnswer as error:
        assert str(error) and len(str(error)) < 300
        return
    assert_within_limits(spec, value)


@PROPERTY_SETTINGS
@given(spec=prompt_specs(), raw=any_value)
def test_validate_answer_takes_anything_and_only_raises_invalid_answer(spec, raw):
    check(spec, raw)


@PROPERTY_SETTINGS
@given(data=st.data())
def test_validate_answer_on_plausible_answers_stays_within_limits(data):
    spec = data.draw(prompt_specs())
    check(spec, data.draw(plausible_answers(spec)))


@PROPERTY_SETTINGS
@given(
    spec=prompt_specs().filter(lambda s: s.kind in ("open_text", "word_cloud")),
    raw=st.one_of(tricky_text, st.lists(tricky_text, max_size=5)),
)
def test_typed_text_is_stored_clean_whatever_was_typed(spec, raw):
    check(spec, raw)


@PROPERTY_SETTINGS
@given(spec=prompt_specs())
def test_a_valid_answer_validates_again_to_itself(spec):
    """What was stored, sent again, is taken unchanged (no drift on re-submit)."""
    config = spec.config
    samples = {
        "single_choice": lambda: config.options[:1],
        "multiple_choice": lambda: [list(config.options[:1])],
        "scale": lambda: [config.scale_min, config.scale_max],
        "open_text": lambda: ["Ça va 👍🏽\nyes"[: config.max_length]],
        "word_cloud": lambda: [["trust"]],
    }[spec.kind]()
    for raw in samples:
        value = validate_answer(spec, raw)
        assert validate_answer(spec, value) == value


# ---- templates ------------------------------------------------------------------------

field_names = st.sampled_from(
    sorted(
        {"title", "description", "min_answers_to_show", "prompts", "kind", "text", "note"}
        | {"results", "colour", ""}
        | set().union(*(kind.fields for kind in KINDS.values()))
    )
)
yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**4000), max_value=10**4000),  # dumpable: < 4300 digits
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(list(KINDS) + [m.value for m in ResultsMode]),
    st.dates(),
    st.binary(max_size=10),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(field_names, yaml_scalars), children, max_size=6),
    ),
    max_leaves=25,
)


OPTIONAL_PROMPT_FIELDS = (
    "note",
    "results",
    "options",
    "max_choices",
    "min",
    "max",
    "min_label",
    "max_label",
    "max_length",
    "max_words",
    "max_entries",
    "colour",
)


@st.composite
def template_like(draw: st.DrawFn) -> dict[object, object]:
    """Mostly template-shaped mappings with a few wrong or missing fields."""
    prompt = st.fixed_dictionaries(
        {"kind": st.sampled_from(list(KINDS)), "text": yaml_scalars},
        optional={name: yaml_values for name in OPTIONAL_PROMPT_FIELDS},
    )
    return draw(
        st.fixed_dictionaries(
            {},
            optional={
                "title": st.one_of(st.text(max_size=40), yaml_values),
                "description": yaml_values,
                "min_answers_to_show": yaml_values,
                "prompts": st.one_of(st.lists(prompt, max_size=5), yaml_values),
                "extra": yaml_values,
            },
        )
    )


def check_template_text(text: str) -> None:
    try:
        template = parse_template(text, source="prop.yaml")
    except TemplateError as error:
        assert error.problems
        for problem in error.problems:
            assert str(problem).startswith("prop.yaml: ")
            assert len(str(problem)) < 400
        return
    assert isinstance(template, Template) and template.title and template.prompts


def dump(value: object) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


@PROPERTY_SETTINGS
@given(text=st.one_of(st.text(), st.text(alphabet=st.sampled_from("-:[]{}&*!|>'\"%@`#, \n\t?ab1"))))
def test_parse_template_takes_any_text_and_only_raises_template_error(text):
    check_template_text(text)


@PROPERTY_SETTINGS
@given(value=yaml_values)
def test_parse_template_takes_any_yaml_structure(value):
    check_template_text(dump(value))


@PROPERTY_SETTINGS
@given(value=template_like())
def test_parse_template_takes_any_template_shaped_mapping(value):
    check_template_text(dump(value))
