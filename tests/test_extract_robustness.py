"""Property-based robustness: the extractor never raises and every span it reports is real."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.extract import extract
from tracker.models import PLATFORMS, RELATION_TYPES, Extraction
from tracker.pipeline import text_article
from tracker.registry import Registry, load_registry

REGISTRY: Registry = load_registry()
# Pieces of real attribution prose, so random text often forms near-miss cues and quotes.
PIECES = [
    '"', "“", "”", "'", "‘", "’", "''", ",", ".", ":", "\n\n", "\n", " ", "the MEA", "posted on X",
    "said in a post on X", "he added", "it said", "in another post", "tweeted", "Amit Shah", "the embassy",
    "in response to", "'s post", "reposted", "— Dr. S. Jaishankar (@DrSJaishankar) March 3, 2026",
    "@MEAIndia", "said in a statement", "told reporters", "on Thursday", "Last July", "X-ray", "Mr X",
    "\x00", "\x1b", "\u200b", "\ufeff", "(sic)", "Replying to Modi", "she said", "they",
]
prose = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=20)), max_size=80).map("".join)


def check(result: Extraction) -> None:
    text = result.article.text
    keys = {p.key for p in result.posts}
    for post in result.posts:
        assert 0 <= post.sentence_span[0] <= post.sentence_span[1] <= len(text)
        for fragment, (start, end) in zip(post.quote, post.quote_spans, strict=True):
            assert text[start:end] == fragment
        assert post.posted is None or len(post.posted) in (7, 10)
        assert post.platform in PLATFORMS
        assert 0.0 <= post.confidence <= 1.0
    for relation in result.relations:
        assert relation.source in keys and relation.target in keys
        assert relation.type in RELATION_TYPES
    for mention in result.mentions:
        assert mention.post in keys
        assert text[mention.span[0]:mention.span[1]] == mention.actor_name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prose)
def test_arbitrary_prose_never_raises(text: str) -> None:
    check(extract(text_article(text, id="h", source="h", published="2026-01-22"), REGISTRY))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_arbitrary_unicode_never_raises(text: str) -> None:
    check(extract(text_article(text, id="h", source="h"), REGISTRY))


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=400), st.sampled_from(['"', "“", "'", "‘"]))
def test_unbalanced_quotes(count: int, mark: str) -> None:
    text = f'{mark * count} the MEA posted on X. {mark}Hello there friends, he added.'
    result = extract(text_article(text, id="h", source="h"), REGISTRY)
    check(result)
    # two sentences can cite at most two posts, whatever the marks do to the quote scanner
    assert len(result.posts) <= 2
    assert all(p.actor in (None, "MEAIndia") for p in result.posts)


def test_a_one_megabyte_paragraph() -> None:
    sentence = '"We stand with Nepal in this hour," the MEA posted on X. The talks went on. '
    text = (sentence * (1024 * 1024 // len(sentence) + 1))[: 1024 * 1024]
    result = extract(text_article(text, id="big", source="big"), REGISTRY)
    check(result)
    assert len(result.posts) > 1000


def test_control_characters_are_harmless() -> None:
    text = '\x00"We stand\x07 with Nepal," the MEA\x1b posted on X.\x0c'
    result = extract(text_article(text, id="c", source="c"), REGISTRY)
    check(result)
    assert [p.actor for p in result.posts] == ["MEAIndia"]
