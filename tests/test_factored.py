"""Alternations merged by opening literal (patterns.factored) answer exactly as re.compile."""

from __future__ import annotations

import json
import re

from conftest import DEV_GOLD
from hypothesis import given, settings
from hypothesis import strategies as st
from test_extract_prefilter import PIECES

from tracker import dates, extract, registry
from tracker import patterns as P
from tracker.patterns import FirstWord, Prefiltered, factored

# Every pattern the extractor compiles at import, as it runs (merged) and as re.compile builds it.
COMPILED = [(f"{module.__name__}.{name}", value.regex if isinstance(value, (Prefiltered, FirstWord)) else value)
            for module in (P, dates, extract, registry) for name, value in vars(module).items()
            if isinstance(value, (Prefiltered, FirstWord))
            or (isinstance(value, re.Pattern) and isinstance(value.pattern, str))]
COMPILED += [(f"PLATFORM_PATTERNS[{index}] ({name})", value.regex)
             for index, (name, value) in enumerate(P.PLATFORM_PATTERNS)]
PLAIN = {name: re.compile(pattern.pattern, pattern.flags) for name, pattern in COMPILED}

# The words the patterns' alternations are made of, in any case, so that random text opens
# branches often: what merging changes is which branches are entered there.
WORDS = ["said", "says", "say", "saying", "SAID", "Posted", "posts", "in", "in a", "In a day", "on", "the day",
         "told reporters", "told The", "statement", "Monday", "last week", "earlier this month", "which", "where",
         "whereupon", "after which", "Mr", "Dr.", "a series of posts", "quote-tweeted", "re-posted", "X", "Twitter"]
text_strategy = st.lists(st.one_of(st.sampled_from(WORDS + PIECES), st.text(max_size=6)), max_size=30).map(" ".join)


def answers(pattern: re.Pattern[str], text: str) -> tuple[object, ...]:
    def shape(match: re.Match[str] | None) -> object:
        return match and (match.span(), match.groups(), match.groupdict())
    start, end = len(text) // 3, len(text) - len(text) // 4
    return (shape(pattern.search(text)), shape(pattern.match(text)), shape(pattern.fullmatch(text)),
            [shape(m) for m in pattern.finditer(text)], shape(pattern.search(text, start, end)),
            shape(pattern.match(text, start)), pattern.sub("#", text), pattern.split(text))


def test_every_pattern_keeps_its_source_flags_and_groups() -> None:
    assert len(COMPILED) >= 100
    for name, pattern in COMPILED:
        plain = PLAIN[name]
        assert (pattern.pattern, pattern.flags, pattern.groups, pattern.groupindex) == \
            (plain.pattern, plain.flags, plain.groups, plain.groupindex), name


def test_same_answers_on_the_dev_texts() -> None:
    texts = [json.loads(line)["text"] for line in DEV_GOLD.read_text(encoding="utf-8").splitlines() if line]
    sentences = [s for text in texts for s in re.split(r"(?<=[.!?])\s+", text)]
    differing = [(name, s[:60]) for name, pattern in COMPILED for s in sentences
                 if answers(pattern, s) != answers(PLAIN[name], s)]
    assert differing == []


@settings(max_examples=250, deadline=None)
@given(text_strategy)
def test_same_answers_on_arbitrary_text(text: str) -> None:
    for name, pattern in COMPILED:
        assert answers(pattern, text) == answers(PLAIN[name], text), name


def branches(pattern: str, flags: int = 0) -> int:
    """How many branches the top alternation of ``pattern`` keeps once merged."""
    tree = P.sre_parse.parse(pattern, flags)
    P._merge_branches(tree, bool(flags & re.IGNORECASE), tree.state)
    [(op, value)] = list(tree)
    assert op is P.sre.BRANCH
    return len(value[1])


def test_branches_sharing_an_opening_literal_are_merged() -> None:
    assert branches("said|says|say|posted|posts|wrote") == 3  # s..., p..., w...
    assert branches("said|Says|posted", re.IGNORECASE) == 2  # one letter whatever its case
    assert branches("said|Says|posted") == 3  # but two letters when case counts
    assert branches(r"said|\bsays|say") == 3  # a branch opening with no literal is a barrier


@given(st.lists(st.sampled_from(["a", "ab", "abc", "b", "", "(a)", r"a\b", "a+", "[ab]", r"\w", "(?:a|ab)"]),
                min_size=2, max_size=6),
       st.text(alphabet="abc ", max_size=8))
@settings(max_examples=400, deadline=None)
def test_merging_keeps_the_order_of_attempts(alternatives: list[str], text: str) -> None:
    """Which branch wins where several match at one place is the first in order, merged or not."""
    for tail in ("", r"\b", "c", "$"):
        pattern = "(?:" + "|".join(alternatives) + ")" + tail
        for flags in (0, re.IGNORECASE):
            assert answers(factored(pattern, flags), text) == answers(re.compile(pattern, flags), text)
