"""Templates: the shipped ones are valid, and a malformed one is refused as a whole,
with a message naming the file, the prompt number and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workshop.activities import KINDS
from workshop.domain.errors import TemplateError
from workshop.domain.model import ResultsMode
from workshop.templates import (
    check_files,
    list_template_files,
    load_template_file,
    parse_template,
    templates_dir,
)

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seed" / "000_1ac6c6c63f8f930c.txt"
# The post's three closing questions, as printed in the seed (used when ../shared is absent).
CLOSING_QUESTIONS = [
    "Have you differentiated leadership positions from leaders before now?",
    "What have you done to lead within your organization or community?",
    "What else have you done to be part of the leader community?",
]


def seed_questions() -> list[str]:
    """The lines beginning "- " near the end of the seed post, else the literal strings."""
    if not SEED.exists():
        return CLOSING_QUESTIONS
    lines = SEED.read_text(encoding="utf-8").splitlines()
    questions = [line[2:].strip() for line in lines[-10:] if line.startswith("- ")]
    assert len(questions) == 3, f"expected three closing questions in {SEED}"
    return questions


# ---- the shipped templates ------------------------------------------------------------


def test_seed_questions_are_the_known_ones():
    assert seed_questions() == CLOSING_QUESTIONS


def test_leadership_template_ends_with_the_posts_three_questions_verbatim():
    template = load_template_file(templates_dir() / "leadership.yaml")
    first, second, third = template.prompts[-3:]
    assert [first.text, second.text, third.text] == seed_questions()
    assert first.kind == "single_choice"
    assert second.kind == "open_text"
    assert third.kind == "open_text"


def test_leadership_template_is_a_full_arc():
    template = load_template_file(templates_dir() / "leadership.yaml")
    assert template.title == "Leadership Positions vs Leadership"
    assert template.slug == "leadership"
    assert template.prompts[0].kind == "word_cloud"  # the warm-up
    assert {p.kind for p in template.prompts} == set(KINDS)  # every kind
    assert all(p.note.strip() for p in template.prompts), "every prompt has a facilitator note"


@pytest.mark.parametrize("name", ["leadership.yaml", "quick-pulse.yaml"])
def test_shipped_templates_are_valid(name):
    template = load_template_file(templates_dir() / name)
    assert template.title and template.prompts
    assert check_files([templates_dir() / name]) == []


def test_shipped_templates_are_listed_leadership_first():
    files = list_template_files()
    assert [f.name for f in files][:1] == ["leadership.yaml"]
    assert {"leadership.yaml", "quick-pulse.yaml"} <= {f.name for f in files}


def test_quick_pulse_has_three_prompts():
    assert len(load_template_file(templates_dir() / "quick-pulse.yaml").prompts) == 3


def test_defaults_apply_when_fields_are_left_out():
    template = parse_template(
        textwrap.dedent(
            """
            title: Defaults
            prompts:
              - {kind: single_choice, text: One, options: [a, b]}
              - {kind: multiple_choice, text: Some, options: [a, b, c]}
              - {kind: scale, text: Rate}
              - {kind: open_text, text: Say}
              - {kind: word_cloud, text: Words}
            """
        )
    )
    single, multiple, scale, open_text, cloud = template.prompts
    assert template.min_answers_to_show == 3
    assert single.results is ResultsMode.LIVE and single.config.options == ("a", "b")
    assert multiple.config.max_choices == 3  # every option may be picked
    assert (scale.config.scale_min, scale.config.scale_max) == (1, 5)
    assert open_text.config.max_length == 280
    assert (cloud.config.max_words, cloud.config.max_entries) == (3, 3)


# ---- malformed templates --------------------------------------------------------------

GOOD_PROMPT = """
  - kind: single_choice
    text: A fine first prompt
    options: [Yes, No]
"""


def with_second_prompt(prompt_yaml: str) -> str:
    """A template whose prompt 2 is ``prompt_yaml`` (prompt 1 is valid)."""
    first, *rest = textwrap.dedent(prompt_yaml).strip().splitlines()
    item = "\n".join(["  - " + first, *("    " + line for line in rest)])
    return "title: Broken\nprompts:" + GOOD_PROMPT + item + "\n"


# (id, YAML text, prompt number or None, field, words the reason must contain)
MALFORMED = [
    ("missing title", "prompts:" + GOOD_PROMPT, None, "title", "required"),
    ("blank title", "title: '   '\nprompts:" + GOOD_PROMPT, None, "title", "required"),
    ("title not text", "title: [a, b]\nprompts:" + GOOD_PROMPT, None, "title", "text"),
    ("prompts not a list", "title: T\nprompts: {kind: scale}", None, "prompts", "list"),
    ("prompts empty", "title: T\nprompts: []", None, "prompts", "non-empty"),
    ("prompts missing", "title: T", None, "prompts", "list"),
    (
        "unknown top-level field",
        "title: T\ncolour: red\nprompts:" + GOOD_PROMPT,
        None,
        "colour",
        "not a known field",
    ),
    (
        "min_answers_to_show negative",
        "title: T\nmin_answers_to_show: -1\nprompts:" + GOOD_PROMPT,
        None,
        "min_answers_to_show",
        "between",
    ),
    ("prompt not a mapping", with_second_prompt("just a string"), 2, "(prompt)", "mapping"),
    ("unknown kind", with_second_prompt("kind: sudoku\ntext: Solve"), 2, "kind", "sudoku"),
    ("missing kind", with_second_prompt("text: No kind"), 2, "kind", "use one of"),
    ("missing text", with_second_prompt("kind: open_text"), 2, "text", "required"),
    ("text not text", with_second_prompt("kind: open_text\ntext: {a: 1}"), 2, "text", "text"),
    ("note not text", with_second_prompt("kind: open_text\ntext: T\nnote: [x]"), 2, "note", "text"),
    (
        "text too long",
        with_second_prompt(f"kind: open_text\ntext: {'x' * 501}"),
        2,
        "text",
        "at most 500",
    ),
    (
        "options missing",
        with_second_prompt("kind: single_choice\ntext: T"),
        2,
        "options",
        "at least 2",
    ),
    (
        "one option",
        with_second_prompt("kind: single_choice\ntext: T\noptions: [Only]"),
        2,
        "options",
        "at least 2",
    ),
    (
        "options not a list",
        with_second_prompt("kind: single_choice\ntext: T\noptions: a, b"),
        2,
        "options",
        "list",
    ),
    (
        "duplicate options",
        with_second_prompt("kind: single_choice\ntext: T\noptions: [A, a]"),
        2,
        "options",
        "same choice twice",
    ),
    (
        "empty option",
        with_second_prompt("kind: single_choice\ntext: T\noptions: [A, '']"),
        2,
        "options",
        "required",
    ),
    (
        "too many options",
        with_second_prompt(
            "kind: single_choice\ntext: T\noptions: [" + ",".join(f"o{i}" for i in range(13)) + "]"
        ),
        2,
        "options",
        "at most 12",
    ),
    (
        "max_choices above options",
        with_second_prompt("kind: multiple_choice\ntext: T\noptions: [A, B]\nmax_choices: 3"),
        2,
        "max_choices",
        "between 1 and 2",
    ),
    (
        "max_choices zero",
        with_second_prompt("kind: multiple_choice\ntext: T\noptions: [A, B]\nmax_choices: 0"),
        2,
        "max_choices",
        "between",
    ),
    (
        "max_choices on single choice",
        with_second_prompt("kind: single_choice\ntext: T\noptions: [A, B]\nmax_choices: 1"),
        2,
        "max_choices",
        "not a field of a single_choice prompt",
    ),
    (
        "scale max equals min",
        with_second_prompt("kind: scale\ntext: T\nmin: 3\nmax: 3"),
        2,
        "max",
        "greater than min",
    ),
    (
        "scale max below min",
        with_second_prompt("kind: scale\ntext: T\nmin: 5\nmax: 1"),
        2,
        "max",
        "greater than min",
    ),
    (
        "scale too wide",
        with_second_prompt("kind: scale\ntext: T\nmin: 0\nmax: 50"),
        2,
        "max",
        "21 points",
    ),
    (
        "scale min not a number",
        with_second_prompt("kind: scale\ntext: T\nmin: low"),
        2,
        "min",
        "whole number",
    ),
    (
        "scale label not text",
        with_second_prompt("kind: scale\ntext: T\nmin_label: [a]"),
        2,
        "min_label",
        "text",
    ),
    (
        "unknown prompt field",
        with_second_prompt("kind: open_text\ntext: T\ncolour: red"),
        2,
        "colour",
        "not a field of a open_text prompt",
    ),
    (
        "options on open text",
        with_second_prompt("kind: open_text\ntext: T\noptions: [a, b]"),
        2,
        "options",
        "not a field",
    ),
    (
        "max_length not an integer",
        with_second_prompt("kind: open_text\ntext: T\nmax_length: long"),
        2,
        "max_length",
        "whole number",
    ),
    (
        "max_length a float",
        with_second_prompt("kind: open_text\ntext: T\nmax_length: 100.5"),
        2,
        "max_length",
        "whole number",
    ),
    (
        "max_length a boolean",
        with_second_prompt("kind: open_text\ntext: T\nmax_length: true"),
        2,
        "max_length",
        "whole number",
    ),
    (
        "max_length too big",
        with_second_prompt("kind: open_text\ntext: T\nmax_length: 99999"),
        2,
        "max_length",
        "between",
    ),
    (
        "max_words above 3",
        with_second_prompt("kind: word_cloud\ntext: T\nmax_words: 4"),
        2,
        "max_words",
        "between 1 and 3",
    ),
    (
        "max_entries zero",
        with_second_prompt("kind: word_cloud\ntext: T\nmax_entries: 0"),
        2,
        "max_entries",
        "between",
    ),
    (
        "bad results mode",
        with_second_prompt("kind: open_text\ntext: T\nresults: sometimes"),
        2,
        "results",
        "'live' or 'on_reveal'",
    ),
    (
        "results mode not text",
        with_second_prompt("kind: open_text\ntext: T\nresults: true"),
        2,
        "results",
        "'live' or 'on_reveal'",
    ),
    ("invalid YAML", "title: T\nprompts:\n  - kind: [unclosed\n", None, "(file)", "not valid YAML"),
    ("tab indentation", "title: T\nprompts:\n\t- kind: scale\n", None, "(file)", "not valid YAML"),
    ("empty file", "", None, "(file)", "mapping"),
    ("only a comment", "# nothing here\n", None, "(file)", "mapping"),
    ("a list at the top", "- kind: scale\n  text: T\n", None, "(file)", "mapping"),
    ("a plain string", "hello", None, "(file)", "mapping"),
]


@pytest.mark.parametrize(
    ("yaml_text", "number", "field", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in MALFORMED],
)
def test_malformed_template_is_refused_naming_file_prompt_and_field(
    tmp_path, yaml_text, number, field, reason
):
    path = tmp_path / "broken.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    problems = caught.value.problems
    assert len(problems) == 1, problems  # exactly the one problem, no knock-on noise
    matching = [p for p in problems if p.field == field and p.prompt_number == number]
    assert matching, f"no problem for field {field!r} in prompt {number}: {problems}"
    message = str(matching[0])
    assert message.startswith("broken.yaml: ")
    assert f"field '{field}'" in message
    assert reason.casefold() in message.casefold()
    if number is not None:
        assert f"prompt {number}," in message
    # the error as a whole names the file on every line
    assert all(line.startswith("broken.yaml: ") for line in str(caught.value).splitlines())


def test_there_are_enough_malformed_cases():
    assert len(MALFORMED) >= 12


def test_several_problems_are_reported_at_once(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(
        textwrap.dedent(
            """
            title: ""
            prompts:
              - kind: single_choice
                text: Fine
                options: [A, B]
              - kind: scale
                text: Backwards
                min: 5
                max: 1
              - kind: multiple_choice
                text: Too many
                options: [A, B]
                max_choices: 5
              - kind: teleport
                text: Nope
              - kind: open_text
                text: ""
                max_length: short
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    where = {(p.prompt_number, p.field) for p in caught.value.problems}
    assert where == {
        (None, "title"),
        (2, "max"),
        (3, "max_choices"),
        (4, "kind"),
        (5, "text"),
        (5, "max_length"),
    }
    assert check_files([path]) == [str(p) for p in caught.value.problems]


def test_a_bad_max_reports_one_problem_not_two():
    with pytest.raises(TemplateError) as caught:
        parse_template("title: T\nprompts: [{kind: scale, text: T, max: high}]")
    assert [(p.prompt_number, p.field) for p in caught.value.problems] == [(1, "max")]


def test_unreadable_file_is_refused_naming_it(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(TemplateError, match=r"nowhere\.yaml: field '\(file\)': cannot be read"):
        load_template_file(missing)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TemplateError, match=r"binary\.yaml: field '\(file\)'"):
        load_template_file(binary)


def test_yaml_error_says_which_line():
    with pytest.raises(TemplateError, match=r"line 3"):
        parse_template("title: T\nprompts:\n  - kind: [unclosed\n", source="t.yaml")


def test_hostile_yaml_is_refused_quickly_and_briefly():
    """Alias bombs, deep nesting, huge numbers and Python tags: refused, with short messages."""
    bomb = "title: x\na: &a [x,x,x,x,x,x,x,x,x,x]\n"
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ",".join([f"*{previous}"] * 10) + "]\n"
    bomb += "prompts:\n  - kind: *i\n    text: *i\n    results: *i\n"
    hostile = [
        bomb,
        "[" * 5000,
        "a: " + "{b: " * 3000 + "1" + "}" * 3000,
        "title: " + "1" * 5000 + "\nprompts: []",
        "title: !!python/object/apply:os.system ['echo hi']\nprompts: []",
        "title: x\nprompts:\n  - kind: scale\n    text: t\n    max: " + "9" * 5000,
    ]
    for text in hostile:
        with pytest.raises(TemplateError) as caught:
            parse_template(text, source="hostile.yaml")
        assert len(str(caught.value)) < 2000
        assert str(caught.value).startswith("hostile.yaml: ")


def test_the_example_in_the_docs_is_valid():
    docs = REPO / "docs" / "templates.md"
    text = docs.read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    template = parse_template(example, source="docs example")
    assert [p.kind for p in template.prompts] == [
        "word_cloud",
        "single_choice",
        "multiple_choice",
        "scale",
        "open_text",
    ]


def test_template_text_is_cleaned_like_answers():
    template = parse_template(
        'title: "Team\\u202e day\\x07"\n'
        "prompts:\n"
        "  - kind: single_choice\n"
        '    text: "First line\\nsecond\\x00 line"\n'
        '    options: ["Yes\\u2066", "No"]\n'
    )
    assert template.title == "Team day"
    assert template.prompts[0].text == "First line\nsecond line"
    assert template.prompts[0].config.options == ("Yes", "No")


def test_a_title_of_invisible_characters_is_missing():
    with pytest.raises(TemplateError) as caught:
        parse_template('title: "\\u200b\\x00 "\nprompts:' + GOOD_PROMPT)
    assert [(p.field, p.reason) for p in caught.value.problems] == [
        ("title", "is required and must not be empty")
    ]


def test_yaml_words_and_numbers_stay_as_written():
    """YAML 1.1 would turn Yes/No/on into booleans, 1:30 into 90, 1.10 into 1.1 and a
    date-like title into a date; in a template they stay the text that was typed."""
    template = parse_template(
        "title: 2026-05-04\n"
        "prompts:\n"
        "  - kind: single_choice\n"
        "    text: Meet at 1:30?\n"
        "    options: [Yes, No, on, off, 1.10, 010, ~maybe]\n"
        "  - kind: scale\n"
        "    text: Signed\n"
        "    min: -3\n"
        "    max: +3\n"
    )
    assert template.title == "2026-05-04"
    assert template.prompts[0].text == "Meet at 1:30?"
    assert template.prompts[0].config.options == ("Yes", "No", "on", "off", "1.10", "010", "~maybe")
    assert (template.prompts[1].config.scale_min, template.prompts[1].config.scale_max) == (-3, 3)


def test_option_holding_the_csv_separator_is_refused():
    text = "title: T\nprompts:\n  - kind: single_choice\n    text: Q\n    options: ['a; b', 'c']\n"
    with pytest.raises(TemplateError) as refused:
        parse_template(text, source="sep.yaml")
    assert "options" in str(refused.value) and "sep.yaml" in str(refused.value)
