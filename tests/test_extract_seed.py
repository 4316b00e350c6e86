"""The seed article, field by field: the reference case of DESIGN.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.extract import extract
from tracker.models import Extraction
from tracker.pipeline import text_article
from tracker.registry import Registry

SEED = Path(__file__).resolve().parent.parent / "seeds" / "seed-article.txt"


@pytest.fixture(scope="module")
def seed(registry: Registry) -> Extraction:
    text = SEED.read_text(encoding="utf-8")
    return extract(text_article(text, id="seed", source=str(SEED)), registry)


def test_four_posts_with_the_right_actors(seed: Extraction) -> None:
    assert [p.actor for p in seed.posts] == ["MEAIndia", "IndianEmbassyUS", "USAndIndia", "AmitShah"]
    assert all(p.platform == "x" for p in seed.posts)
    assert [p.actor_name for p in seed.posts] == [
        "the MEA", "the Indian Embassy in the US", "the US Embassy in India", "Union Home Minister Amit Shah",
    ]


def test_full_quotes_and_shahs_two_fragments_are_one_post(seed: Extraction) -> None:
    mea, embassy_in, us_embassy, shah = seed.posts
    assert mea.quote == (
        "India and the US held the Inaugural Drug Policy Executive Working Group meeting in Washington DC "
        "(20–22 Jan 2026). Both sides reaffirmed their shared commitment to countering synthetic opioids, "
        "novel precursors and misuse of digital platforms, while balancing effective enforcement with "
        "facilitation of legitimate trade",
    )
    assert embassy_in.quote[0].startswith("Ambassador Vinay Mohan Kwatra delivered opening remarks")
    assert embassy_in.quote[0].endswith("to curb such illicit flows was emphasized")
    assert us_embassy.quote == (
        "Thanks to NCB and Indian authorities for helping protect Americans against illegal drugs and "
        "saving American lives!",
    )
    assert len(shah.quote) == 2
    assert shah.quote[0].startswith("Congratulations to NCB and all agencies on busting a global drug cartel.")
    assert shah.quote[1].startswith("Our agencies are constantly monitoring")
    assert shah.quote[1].endswith("no matter where they operate from")
    assert not any(p.paraphrase for p in seed.posts)


def test_posted_dates_keep_their_granularity(seed: Extraction) -> None:
    # "stated on Thursday" (2026-01-22 is a Thursday); "Last July" against January 2026; the
    # embassy's post has no date of its own (month of the article); Shah's post is the one the
    # July answer responded to.
    assert [p.posted for p in seed.posts] == ["2026-01-22", "2026-01", "2025-07", "2025-07"]
    assert [p.granularity for p in seed.posts] == ["day", "month", "month", "month"]


def test_the_us_embassy_post_responds_to_shahs(seed: Extraction) -> None:
    assert [(r.source, r.target, r.type) for r in seed.relations] == [("p3", "p4", "response")]
    relation = seed.relations[0]
    assert "came in response to Union Home Minister Amit Shah's post" in relation.evidence
    assert seed.article.text[relation.span[0]:relation.span[1]] == relation.evidence


def test_mentions_ncb_twice_and_the_drug_policy_office(seed: Extraction) -> None:
    found = {(m.post, m.actor) for m in seed.mentions}
    assert ("p3", "narcoticsbureau") in found
    assert ("p4", "narcoticsbureau") in found
    assert ("p2", "ONDCP") in found
    # "PM Shri Narendra Modi Ji led govt" describes the government; it names no account.
    assert ("p4", "narendramodi") not in found
    for mention in seed.mentions:
        assert seed.article.text[mention.span[0]:mention.span[1]] == mention.actor_name


def test_every_fact_keeps_its_evidence_span(seed: Extraction) -> None:
    text = seed.article.text
    for post in seed.posts:
        assert post.sentence and text[post.sentence_span[0]:post.sentence_span[1]] == post.sentence
        for fragment, (start, end) in zip(post.quote, post.quote_spans, strict=True):
            assert text[start:end] == fragment
        assert post.actor_span is not None
        assert text[post.actor_span[0]:post.actor_span[1]] == post.actor_name
    assert seed.posts[0].cue == "the MEA posted on X"


def test_the_ministrys_statement_is_not_a_post(seed: Extraction) -> None:
    assert not any("dismantled" in " ".join(p.quote) for p in seed.posts)
    assert not any((p.actor or "") == "HMOIndia" for p in seed.posts)
