"""extract._frozen: the extractor's fast way to make a PostRef, Relation or Mention must give what its
__init__ gives; and Actor.is_person."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import pytest

from tracker.extract import _frozen, extract
from tracker.models import Actor, Mention, PostRef, Relation
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


def test_frozen_equals_the_generated_init() -> None:
    made, built = _frozen(PostRef, dict(VALUES)), PostRef(**VALUES)
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
    seen = others = 0
    for i, line in enumerate(DEV.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        found = extract(text_article(json.loads(line)["text"], id=str(i), source="dev"), registry)
        for post in found.posts:
            assert set(vars(post)) == names
            assert post == PostRef(**vars(post))
            seen += 1
        for value, cls in [*((r, Relation) for r in found.relations), *((m, Mention) for m in found.mentions)]:
            assert set(vars(value)) == {f.name for f in dataclasses.fields(cls)} and value == cls(**vars(value))
            others += 1
    assert seen > 100 and others > 50


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


def test_the_extractors_own_frozen_values_equal_the_generated_init() -> None:
    """extract._frozen (compiled with the extractor) makes what each value's __init__ makes."""
    from tracker.extract import _relation_value
    from tracker.models import Extraction

    relation = Relation("p2", "p1", "reply", "evidence", (3, 9))
    mention = Mention("p1", "MEAIndia", "the MEA", (4, 11))
    post = PostRef(**VALUES)
    article = text_article("Some text.", id="a", source="s")
    made = [_relation_value("p2", "p1", "reply", "evidence", (3, 9)),
            _frozen(Mention, {"post": "p1", "actor": "MEAIndia", "actor_name": "the MEA", "span": (4, 11)}),
            _frozen(PostRef, dict(VALUES)),
            _frozen(Extraction, {"article": article, "posts": (post,), "relations": (relation,),
                                 "mentions": (mention,)})]
    built = [relation, mention, post, Extraction(article, (post,), (relation,), (mention,))]
    for one, other in zip(made, built, strict=True):
        assert type(one) is type(other) and one == other and hash(one) == hash(other) and repr(one) == repr(other)
        assert dataclasses.asdict(one) == dataclasses.asdict(other)
        assert pickle.loads(pickle.dumps(one)) == other
        with pytest.raises(dataclasses.FrozenInstanceError):
            one.evidence = "changed"  # type: ignore[union-attr]
