"""tracker._words (C) answers exactly as the regular expressions over ascii_words it stands in for."""

from __future__ import annotations

import json
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import patterns as P

PURE = os.environ.get("TRACKER_PURE_PYTHON") == "1"
WORDS = P._LEXICONS  # None in the pure-Python build: the regular expressions answer instead

literal = st.binary(min_size=1, max_size=5).map(lambda b: bytes(c % 6 + 97 if c % 3 else 32 for c in b))
words_text = st.binary(max_size=40).map(lambda b: bytes(c % 6 + 97 if c % 3 else 32 for c in b))


def test_the_compiled_build_has_the_c_lexicon() -> None:
    """Like the mypyc modules, a failed build of _words.c falls back quietly: CI must see it built."""
    if PURE:
        assert WORDS is None  # pure means no compiled code at all
        return
    assert WORDS is not None, "tracker._words was not built (`.venv/bin/pip install -v -e .` says why)"
    sets = _word_sets()
    # a set with a one-letter literal ("a" of DETERMINER) is searched by its regular expression
    assert all(ws.index >= 0 for ws in sets if min(map(len, ws.literals)) >= 2), \
        "every set of word literals of two letters or more is in the union lexicon"
    assert sum(ws.index >= 0 for ws in sets) >= 0.9 * len(sets)


def _word_sets() -> list[P.WordSet]:
    found: dict[int, P.WordSet] = {}
    from tracker import dates, extract
    for module in (P, dates, extract):
        for value in vars(module).values():
            if isinstance(value, P.Prefiltered):
                for word_set in (value.required_words, value.opening_words):
                    if word_set is not None:
                        found[id(word_set)] = word_set
            elif isinstance(value, P.AnyOf) and value.scan_words is not None:
                found[id(value.scan_words)] = value.scan_words
    return list(found.values())


needs_c = pytest.mark.skipif(WORDS is None, reason="the pure-Python build has no C lexicon")


@needs_c
@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(literal, st.integers(0, 200)), min_size=1, max_size=12), words_text,
       st.integers(0, 45))
def test_lexicon_bits_and_find_are_those_of_the_literals(entries: list[tuple[bytes, int]], text: bytes,
                                                         pos: int) -> None:
    lexicon = WORDS.Lexicon(entries)
    bits = sum({1 << bit for lit, bit in entries if lit in text})
    for bit in sorted({b for _, b in entries} | {0, 63, 64, 201}):  # asked again of the same text: its bits kept
        assert lexicon.has(text, bit) == bool(bits >> bit & 1)
    other, bit = text + b"a ", entries[0][1]  # another text: scanned anew
    assert lexicon.has(other, bit) == any(lit in other for lit, b in entries if b == bit)
    plain = re.compile(b"|".join(re.escape(lit) for lit, _ in entries))
    first = plain.search(text, pos)
    assert lexicon.find(text, pos) == (first.start() if first else -1)


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(literal, st.integers(0, 130)), min_size=1, max_size=8),
       st.lists(words_text, min_size=1, max_size=4), st.lists(st.integers(0, 3), max_size=12))
def test_bits_kept_by_words_answer_as_a_fresh_scan(entries: list[tuple[bytes, int]], texts: list[bytes],
                                                   order: list[int]) -> None:
    """Texts asked about again (as new, equal bytes objects, and after forget()) get the bits a
    scan of them gives, whatever was asked in between."""
    lexicon = WORDS.Lexicon(entries)
    for step, pick in enumerate(order):
        text = bytes(bytearray(texts[pick % len(texts)]))  # a new object each time
        if step % 5 == 4:
            lexicon.forget()
        for bit in {b for _, b in entries}:
            assert lexicon.has(text, bit) == any(lit in text for lit, b in entries if b == bit)


@needs_c
def test_bits_are_right_past_the_words_kept() -> None:
    """The lexicon keeps the bits of 4,096 words objects, then starts over: asked about 10,000
    distinct ones, then the first ones again, it answers each as a scan would."""
    lexicon = WORDS.Lexicon([(b" post", 0), (b" said ", 1), (b"on x ", 70)])
    texts = [f" w{i} {'post' if i % 3 == 0 else 'said' if i % 3 == 1 else 'on x'} ".encode() for i in range(10_000)]
    for text in texts + texts[:50] + texts[::-997]:
        assert [lexicon.has(text, bit) for bit in (0, 1, 70)] == [b" post" in text, b" said " in text, b"on x " in text]


@needs_c
def test_word_sets_answer_as_their_regular_expressions_on_the_dev_sentences() -> None:
    from conftest import DEV_GOLD
    texts = [json.loads(line)["text"] for line in DEV_GOLD.read_text(encoding="utf-8").splitlines() if line]
    sentences = [s for text in texts for s in re.split(r"(?<=[.!?])\s+", text)][:600]
    sets = _word_sets()
    asked = found = 0
    for sentence in sentences:
        words = P.ascii_words(sentence)
        if words is None:
            continue
        for word_set in sets:
            expected = word_set.regex.search(words)
            assert word_set.present(words) == (expected is not None)
            assert word_set.find(words, 0) == (expected.start() if expected else -1)
            asked += 1
            found += expected is not None
    assert asked > 10_000 and found > 1_000  # not vacuous: many sets occur in real sentences


@needs_c
def test_bad_entries_are_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="a literal needs a byte"):
        WORDS.Lexicon([(b"", 0)])
    with pytest.raises(TypeError, match=r"\(bytes, int\)"):
        WORDS.Lexicon([("post", 0)])
    with pytest.raises(TypeError, match="words must be bytes"):
        WORDS.Lexicon([(b" post", 0)]).has(" post", 0)
    finder = WORDS.NameFinder({b"modi": ("narendramodi", {})})
    assert finder.find("PM Modi's post") == [(3, 7, "narendramodi")]
    assert finder.find("“Modi’s post”") == [(1, 5, "narendramodi")]
    assert finder.find("Modié Μodi @Modi \u212aodi") == []  # a word with a letter outside ASCII; a handle
    two = WORDS.NameFinder({b"amit": (None, {b"shah": ("AmitShah", {})}), b"kim": ("Kim", {})})
    assert two.find("Amit’Shah, Amit — Shah") == [(0, 9, "AmitShah"), (11, 22, "AmitShah")]
    assert two.find("Amit “Shah” Amit\u00a0\u00a0\u00a0\u00a0Shah") == []  # a curly mark breaks a name; a gap > 3
    assert two.find("\u212aim, KIM") == [(0, 3, "Kim"), (5, 8, "Kim")]  # the Kelvin sign is a k
    with pytest.raises(TypeError, match="must be a str"):
        finder.find(b"Modi")
    with pytest.raises(TypeError, match=r"map bytes to \(handle, dict\)"):
        WORDS.NameFinder({b"prime": (None, {"minister": ("pmoindia", {})})})  # a str word below the top
    deep: dict[bytes, tuple[str | None, dict[bytes, object]]] = {}
    for _ in range(100):
        deep = {b"a": (None, deep)}
    with pytest.raises(ValueError, match="too deep"):
        WORDS.NameFinder(deep)


_REGISTRY_NAMES: list[str] = []


def _name_pieces() -> list[str]:
    if not _REGISTRY_NAMES:
        from tracker.registry import load_registry
        for actor in load_registry():
            _REGISTRY_NAMES.extend(n for n in (actor.display_name, *actor.aliases, *actor.titles) if n.isascii())
    return _REGISTRY_NAMES


name_text = st.lists(st.one_of(st.sampled_from([" ", "  ", "    ", ",", ".", "(", ")", "\n", "@", "'s", "-", ":", ";",
                                                "\"", "the ", "U.S.", "x", "_", "’s", "“", "”", "—", "é", "\u00a0",
                                                "\u212a", "İ", "Μ", "\u2028", "\U0001f600", "＠"]),
                               st.integers(0, 10_000)), max_size=14)


@needs_c
@settings(max_examples=500, deadline=None)
@given(name_text)
def test_names_found_in_c_are_those_the_word_trie_finds(pieces: list[str | int]) -> None:
    from tracker.registry import load_registry
    names = _name_pieces()
    text = "".join(p if isinstance(p, str) else names[p % len(names)] for p in pieces)
    registry = load_registry()
    assert registry._name_finder is not None
    found = [(s, e, a.handle) for s, e, a in registry._find_native(text)]
    assert found == [(s, e, a.handle) for s, e, a in registry._find_plain(text)]
    if text.isascii():
        assert found == [(s, e, a.handle) for s, e, a in registry._find_ascii_plain(text)]


@needs_c
def test_names_found_in_c_on_the_dev_texts() -> None:
    from conftest import DEV_GOLD

    from tracker.registry import load_registry
    registry = load_registry()
    texts = [json.loads(line)["text"] for line in DEV_GOLD.read_text(encoding="utf-8").splitlines() if line]
    paragraphs = [p for text in texts for p in text.split("\n")]
    total = outside = 0
    for paragraph in paragraphs:
        found = [(s, e, a.handle) for s, e, a in registry._find_native(paragraph)]
        plain = registry._find_ascii_plain(paragraph) if paragraph.isascii() else registry._find_plain(paragraph)
        assert found == [(s, e, a.handle) for s, e, a in plain]
        total += len(found)
        outside += 0 if paragraph.isascii() else len(found)
    # not vacuous: the dev texts name many accounts (193 names, 15 of them in paragraphs outside ASCII)
    assert total > 100 and outside > 10


@needs_c
@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["\u0130", "\u0131", "\u017f", "\u212a", "é", "É", "—", "“", "_", "Z", "@",
                                           "\n", "ß", "\U0001f600", "Said", "x1"]),
                          st.text(max_size=5)), max_size=20).map("".join))
def test_text_words_in_c_are_those_the_python_fallback_gives(text: str) -> None:
    assert WORDS is not None
    assert WORDS.text_words(text) == P._words_of(text)
