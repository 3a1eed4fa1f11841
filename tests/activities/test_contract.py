"""Every registered kind keeps the same promises (parametrised over the registry).

Its example config parses; each bad config is refused naming the field; good answers
are stored and bad ones refused in plain words; the tally matches a hand count of the
stored answers; the figure builds at projector and results size; CSV cells round-trip
through pandas; the phone JSON carries none of another kind's fields and no note; the
k-threshold and n are applied.
"""

from __future__ import annotations

import io
import json
import random

import pandas as pd
import pytest
import yaml

from tests.support.builders import make_session
from workshop import activities, services
from workshop.activities import KINDS, UnknownKind, get_kind
from workshop.charts import PROJECTOR, REPORT, figure_for, with_joined
from workshop.domain.codes import new_participant_token
from workshop.domain.errors import InvalidAnswer, TemplateError
from workshop.export import COLUMNS
from workshop.phone_view import read_phone_view
from workshop.results import Tally
from workshop.templates import parse_template

NOTE = "Facilitator only: wait 30 s before revealing."
HOSTILE = [
    None,
    True,
    3.5,
    "",
    {"nested": {"deeper": [1, 2, {"x": "y"}]}},
    [[["deep"]]],
    list(range(10_000)),
    ["x" * 5000],
]


def one_prompt_yaml(name: str, *, config: dict | None = None, note: str = NOTE) -> str:
    kind = get_kind(name)
    prompt = {"kind": name, "text": f"A {kind.label} question", "note": note}
    prompt.update(kind.example if config is None else config)
    data = {"title": "Contract", "min_answers_to_show": 2, "prompts": [prompt]}
    return yaml.safe_dump(data, allow_unicode=True)


def template_of(name: str):
    return parse_template(one_prompt_yaml(name), source="contract.yaml")


@pytest.fixture(params=list(KINDS))
def kind_name(request) -> str:
    return request.param


def test_the_registry_refuses_an_unknown_kind():
    with pytest.raises(UnknownKind, match="no prompt kind 'sudoku'"):
        get_kind("sudoku")
    with pytest.raises(UnknownKind):
        get_kind(None)


def test_the_example_config_parses(kind_name):
    spec = template_of(kind_name).prompts[0]
    assert spec.kind == kind_name
    assert isinstance(spec.config, get_kind(kind_name).config_type)


def test_each_bad_config_is_refused_naming_its_field(kind_name):
    kind = get_kind(kind_name)
    assert kind.bad_examples, "every kind lists configs it refuses"
    for config, field in kind.bad_examples:
        with pytest.raises(TemplateError) as refused:
            parse_template(one_prompt_yaml(kind_name, config=config), source="bad.yaml")
        fields = [p.field for p in refused.value.problems]
        assert any(f == field or f.startswith(field + ".") for f in fields), (config, fields)
        assert all(p.file == "bad.yaml" and p.prompt_number == 1 for p in refused.value.problems)


def test_stored_config_reads_back_the_same(kind_name):
    spec = template_of(kind_name).prompts[0]
    stored = json.loads(json.dumps(activities.stored_config(spec)))
    again = activities.spec_from_stored(
        kind=spec.kind, text=spec.text, note=spec.note, results=spec.results, config=stored
    )
    assert again == spec


def answer(db, started, raw, *, secret, token=None):
    view = services.get_live_view(db=db, session_id=started.session.id)
    return services.submit_answer(
        db=db,
        secret=secret,
        session_id=started.session.id,
        prompt_id=view.prompt.id,
        token=token or new_participant_token(secret),
        raw=raw,
    )


def test_good_answers_are_stored_and_bad_ones_refused_in_plain_words(db, secret, kind_name):
    started = make_session(db, template_of(kind_name))
    spec = started_spec(db, started)
    rng = random.Random(7)
    for _ in range(5):
        raw = activities.sample_answer(spec, rng)
        stored = answer(db, started, raw, secret=secret)
        # what was stored, sent again, is taken unchanged (a phone re-sending its answer)
        assert activities.validate_answer(spec, stored.value) == stored.value
    before = len(
        services.list_answers(
            db=db, session_id=started.session.id, prompt_id=prompt_id(db, started)
        )
    )
    for raw in HOSTILE:
        with pytest.raises(InvalidAnswer) as refused:
            answer(db, started, raw, secret=secret)
        message = str(refused.value)
        assert message and len(message) < 200, message
        assert not any(word in message for word in ("Traceback", "Error", "None", "dict"))
    after = services.list_answers(
        db=db, session_id=started.session.id, prompt_id=prompt_id(db, started)
    )
    assert len(after) == before  # nothing refused was stored


def started_spec(db, started):
    return services.list_prompts(db=db, session_id=started.session.id)[0].spec


def prompt_id(db, started) -> int:
    return services.list_prompts(db=db, session_id=started.session.id)[0].id


def test_the_tally_counts_each_stored_answer_once(db, secret, kind_name):
    """The tally is a pure function of the stored answers: the kind's own tally over the
    answers read back equals the service's, n is the count of visible answers, and a
    hidden answer drops out of both."""
    started = make_session(db, template_of(kind_name))
    rng = random.Random(3)
    spec = started_spec(db, started)
    values = [
        answer(db, started, activities.sample_answer(spec, rng), secret=secret) for _ in range(6)
    ]
    sid, pid = started.session.id, prompt_id(db, started)
    result = services.results_for(db=db, session_id=sid, prompt_id=pid)
    assert result.n == 6
    by_hand = get_kind(kind_name).tally(spec.config, values)
    assert by_hand == result.data
    services.hide_answer(
        db=db, session_id=sid, key=started.facilitator_key, answer_id=values[0].id, hidden=True
    )
    hidden = services.results_for(db=db, session_id=sid, prompt_id=pid)
    assert hidden.n == 5
    assert hidden.data == get_kind(kind_name).tally(spec.config, values[1:])


def answered_tally(db, secret, kind_name: str, *, answers: int, seed: int) -> Tally:
    """The tally of a new session's ``kind_name`` prompt after ``answers`` sample answers
    (its figure is first drawn with none: that must build too)."""
    started = make_session(db, template_of(kind_name))
    spec = started_spec(db, started)
    sid, pid = started.session.id, prompt_id(db, started)
    empty = services.results_for(db=db, session_id=sid, prompt_id=pid)
    for style in (PROJECTOR, REPORT):
        figure_for(empty, joined=0, style=style)  # no answers yet: builds all the same
    rng = random.Random(seed)
    for _ in range(answers):
        answer(db, started, activities.sample_answer(spec, rng), secret=secret)
    return services.results_for(db=db, session_id=sid, prompt_id=pid)


def test_the_figure_builds_at_projector_and_results_size(db, secret, kind_name):
    result = answered_tally(db, secret, kind_name, answers=4, seed=5)
    for style in (PROJECTOR, REPORT):
        figure = figure_for(result, joined=5, style=style)
        if figure is None:  # drawn as cards by the screens
            continue
        assert figure.layout.height == style.height_px
        title = figure.layout.title.text or ""
        assert title.startswith("n = 4 · 80% of 5 joined"), title  # n on every chart
        figure.to_json()  # serialisable for the browser
    assert get_kind(kind_name).text_alternative(result).strip()


def test_a_figure_for_more_joined_equals_one_drawn_afresh(db, secret, kind_name):
    """The projector keeps its figure while only the room grows (``with_joined``)."""
    result = answered_tally(db, secret, kind_name, answers=3, seed=7)
    for style in (PROJECTOR, REPORT):
        drawn = figure_for(result, joined=4, style=style)
        kept = with_joined(drawn, result, before=4, after=9)
        fresh = figure_for(result, joined=9, style=style)
        if fresh is None:  # drawn as cards: nothing to keep
            assert drawn is None and kept is None
            continue
        assert kept is not None, "the caption was not found: the figure would be rebuilt"
        assert kept.to_plotly_json() == fresh.to_plotly_json()


def test_csv_cells_round_trip_through_pandas(db, secret, kind_name):
    started = make_session(db, template_of(kind_name))
    spec = started_spec(db, started)
    rng = random.Random(11)
    stored = [
        answer(db, started, activities.sample_answer(spec, rng), secret=secret) for _ in range(3)
    ]
    data = services.export_csv(db=db, session_id=started.session.id)
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table.columns) == COLUMNS
    expected = [
        cells for a in stored for cells in get_kind(kind_name).csv_cells(spec.config, a.value)
    ]
    assert len(table) == len(expected)
    for row, cells in zip(table.to_dict("records"), expected, strict=True):
        assert row["prompt_kind"] == kind_name
        for column, value in cells.items():
            assert column in COLUMNS
            assert row[column].lstrip("'") == value.lstrip("'")


def test_the_phone_json_holds_only_this_kinds_fields_and_no_note(db, secret, kind_name):
    started = make_session(db, template_of(kind_name))
    view = read_phone_view(db=db, session_id=started.session.id)
    prompt = view["prompt"]
    own = set(get_kind(kind_name).phone_prompt(started_spec(db, started).config))
    assert set(prompt) == {"id", "number", "text", "kind", "open", "answered"} | own
    others = (
        set().union(
            *(
                set(k.phone_prompt(template_of(n).prompts[0].config))
                for n, k in KINDS.items()
                if n != kind_name
            )
        )
        - own
    )
    assert not others & set(prompt)
    assert NOTE not in json.dumps(view)


def test_the_k_threshold_and_n_are_applied_on_the_phone(db, secret, kind_name):
    started = make_session(db, template_of(kind_name))  # min_answers_to_show: 2
    sid, key = started.session.id, started.facilitator_key
    services.set_results_visible(db=db, session_id=sid, key=key, visible=True)
    spec = started_spec(db, started)
    rng = random.Random(1)
    answer(db, started, activities.sample_answer(spec, rng), secret=secret)
    one = read_phone_view(db=db, session_id=sid)["results"]
    assert one == {"n": 1, "needed": 2, "kind": kind_name}  # below k: nothing of the answer
    answer(db, started, activities.sample_answer(spec, rng), secret=secret)
    two = read_phone_view(db=db, session_id=sid)["results"]
    assert two["n"] == 2 and two["needed"] == 2 and len(two) > 3  # the kind's results
