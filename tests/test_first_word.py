"""patterns.FirstWord: an anchored alternation of words, ruled out by the text's first word,
answers exactly as the pattern does."""

from __future__ import annotations

import json
import re

import pytest
from conftest import DEV_GOLD
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import patterns as P
from tracker.patterns import FirstWord

FIRST_WORDS = [value for value in vars(P).values() if isinstance(value, FirstWord)]
# What can make a first word match although it is not plain ASCII: the characters a
# case-insensitive pattern folds to an ASCII letter (long s, Kelvin sign, dotted and dotless i),
# and word characters that end no word (digits, "_", accented letters).
ODD = ["ſ", "K", "İ", "ı", "é", "_", "7", "\t", "\u00a0", "-", "."]
LEAD = ["in", "In", "IN", "on", "a", "A day", "the day", "the", "thereafter", "According", "ſoon", "alſo",
        "Also", "separately", "days", "hour", "in a", "within", "when", "whence", "but", "Butter", "The Day",
        "the  day", "the\u00a0day", "the days", "a dayſ", "The ministry", "the\tDAY", "day", "Day", "the-day"]
text_strategy = st.lists(st.one_of(st.sampled_from(LEAD + ODD + [" ", "  "]), st.text(max_size=3)),
                         max_size=6).map("".join)


def shape(match: re.Match[str] | None) -> object:
    return match and (match.span(), match.group())


def test_the_extractor_uses_it_and_its_words_are_the_branches() -> None:
    assert P.LEADING_ADVERBIAL in FIRST_WORDS
    assert {"in", "according", "however", "replying"} <= P.LEADING_ADVERBIAL.words
    # "a day", "the day": those first words open no one-word branch, and need their second word
    assert P.LEADING_ADVERBIAL.second == {"a": {"day"}, "the": {"day"}}
    both = FirstWord(r"^(?:said|a\s+day|the\s+day|the\sweek|in|in\s+a)\b", re.I)
    assert both.words == {"said", "in"} and both.second == {"a": {"day"}, "the": {"day", "week"}}
    # after a second word, only a space or the end of the branch: the first word alone decides
    assert FirstWord(r"^(?:the\s+day\w*|x)\b", re.I).words == {"the", "x"}


@pytest.mark.parametrize("pattern", [
    r"^(?:said|[st]ays)\b",  # a branch opening with a class
    r"^(?:said|a\s*day)\b",  # letters, then what may match nothing (a letter may follow)
    r"(?:said|says)\b",  # not anchored
    r"^(?:said|says)",  # no boundary after
    r"^(?:s2id|says)\b",  # a digit inside the word
])
def test_other_shapes_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        FirstWord(pattern, re.I)


def test_same_answers_on_the_dev_sentences() -> None:
    texts = [json.loads(line)["text"] for line in DEV_GOLD.read_text(encoding="utf-8").splitlines() if line]
    pieces = [p.strip() for text in texts for p in re.split(r"[.!?,;:]\s+", text)]
    assert len(pieces) > 500
    for first in FIRST_WORDS:
        plain = re.compile(first.pattern, first.flags)
        matched = [p for p in pieces if plain.match(p)]
        assert len(matched) > 20  # the dev text opens clauses with these words
        assert [shape(first.match(p)) for p in pieces] == [shape(plain.match(p)) for p in pieces]


@settings(max_examples=2000, deadline=None)
@given(text_strategy)
def test_same_answers_on_arbitrary_text(text: str) -> None:
    for first in FIRST_WORDS:
        assert shape(first.match(text)) == shape(re.compile(first.pattern, first.flags).match(text)), text


def test_folding_characters_are_left_to_the_pattern() -> None:
    # "alſo" is "also" to the pattern, "Kelvin" K folds to "k": the word test alone would refuse them
    pattern = FirstWord(r"^(?:also|keep)\b", re.I)
    assert pattern.match("alſo, he said") is not None
    assert pattern.match("\u212aeep calm") is not None
    assert pattern.match("alsoſ") is None and pattern.match("also_") is None and pattern.match("also2") is None
    assert pattern.match("Also he said").span() == (0, 4)
    second = FirstWord(r"^(?:the\s+kid|the\s+best|x)\b", re.I)
    assert second.match("the \u212aid said") is not None and second.match("The beſt").span() == (0, 8)
    assert second.match("the kids") is None and second.match("the kid_") is None and second.match("thekid") is None
