"""models.frozen_from: the extractor's fast way to make a PostRef must give what PostRef(...) gives."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import pytest

from tracker.extract import extract
from tracker.models import Actor, PostRef, frozen_from
from tracker.pipeline import text_article
from tracker.registry import load_registry

DEV = Path(__file__).parent / "fixtures" / "eval" / "dev.jsonl"

VALUES = {
    "key": "p1", "actor": "MEAIndia", "actor_name": "the MEA", "platform": "x", "quote": ("We welcome it",),
    "quote_spans": ((10, 23),), "paraphrase": False, "posted": "2026-03-02", "cue": "posted on X",
    "cue_span": (30, 41), "sentence": "s", "sentence_span": (0, 50), "status_id": None, "url": None,
    "platform_inferred": False, "truncated": False, "confidence": 0.9, "actor_span": (0, 7),
    "embed_kind": None, "embed_text": None,
}


def test_frozen_from_equals_the_generated_init() -> None:
    made, built = frozen_from(PostRef, dict(VALUES)), PostRef(**VALUES)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert pickle.loads(pickle.dumps(made)) == built
    assert made.text == "We welcome it" and made.granularity == "day"
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.actor = "other"  # type: ignore[misc]


def test_values_name_every_field() -> None:
    assert set(VALUES) == {f.name for f in dataclasses.fields(PostRef)}  # this test's own table is whole


def test_extracted_posts_hold_exactly_the_fields() -> None:
    """Every post the extractor makes has each field of PostRef and nothing else, and equals the
    PostRef its values build (a field added to PostRef but not to the extractor fails here)."""
    registry = load_registry()
    names = {f.name for f in dataclasses.fields(PostRef)}
    seen = 0
    for i, line in enumerate(DEV.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        for post in extract(text_article(json.loads(line)["text"], id=str(i), source="dev"), registry).posts:
            assert set(vars(post)) == names
            assert post == PostRef(**vars(post))
            seen += 1
    assert seen > 100


def test_an_actor_is_a_person_by_its_pronoun() -> None:
    person = Actor("AmitShah", "x", "Amit Shah", pronoun="he")
    assert person.is_person and Actor("X", "x", "X", pronoun="she").is_person
    assert not Actor("MEAIndia", "x", "MEA").is_person and not Actor("Y", "x", "Y", pronoun="they").is_person
    assert not dataclasses.replace(person, pronoun="it").is_person  # recomputed, not copied
    with pytest.raises(dataclasses.FrozenInstanceError):
        person.is_person = False  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(person)).is_person
    assert "is_person" not in repr(person)
    registry = load_registry()
    assert all(actor.is_person == (actor.pronoun in ("he", "she")) for actor in registry.actors.values())
    assert sum(actor.is_person for actor in registry.actors.values()) >= 20
