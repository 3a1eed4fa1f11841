"""Starting a session from a template built in code (not through the YAML loader)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.builders import make_template
from workshop import services
from workshop.domain.errors import TemplateError


def test_a_template_without_prompts_is_refused_in_plain_words(db):
    with pytest.raises(TemplateError) as caught:
        services.start_session(db=db, template=replace(make_template(), prompts=()))
    assert [p.field for p in caught.value.problems] == ["prompts"]
    assert services.list_sessions(db=db) == []


@pytest.mark.parametrize("title", ["", "   ", "T" * 201])
def test_a_title_the_store_cannot_keep_is_refused_on_both_backends(db, title):
    with pytest.raises(TemplateError, match="field 'title'"):
        services.start_session(db=db, template=replace(make_template(), title=title))


def test_a_long_file_name_does_not_break_starting(db):
    """The slug comes from the file name, which may be longer than the column."""
    template = replace(make_template(), slug="a-very-long-template-file-name-" * 10)
    started = services.start_session(db=db, template=template)
    assert started.session.template_slug == template.slug[:100]


def test_longest_title_is_kept_whole(db):
    started = services.start_session(db=db, template=replace(make_template(), title="T" * 200))
    assert started.session.title == "T" * 200
