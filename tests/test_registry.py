"""The registry of accounts: coverage, name lookup, and the names that must never be merged."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.errors import ConfigError
from tracker.registry import Registry, load_registry, normalise_name, normalised_prefixes, read_actors

REQUIRED = ["MEAIndia", "IndianEmbassyUS", "USAndIndia", "AmitShah", "HMOIndia", "narcoticsbureau",
            "narendramodi", "PMOIndia", "DrSJaishankar", "StateDept", "WhiteHouse", "ONDCP"]


def test_coverage(registry: Registry) -> None:
    assert len(registry) >= 80
    for handle in REQUIRED:
        assert registry.get(handle) is not None, handle
    governments = {a.government for a in registry}
    assert {"IN", "US", "PK", "CN", "GB", "RU", "UA", "CA", "AU", "BD", "IL", "IR", "EU"} <= governments
    for actor in registry:
        assert actor.kind in {"ministry", "embassy", "official", "agency", "media", "person"}, actor.handle
        assert actor.pronoun in {"he", "she", "it", "they"}, actor.handle
        assert actor.parent is None or registry.get(actor.parent) is not None, actor.handle


@pytest.mark.parametrize(("name", "handle"), [
    ("the MEA", "MEAIndia"), ("Ministry of External Affairs", "MEAIndia"),
    ("the Indian Embassy in the US", "IndianEmbassyUS"), ("the US Embassy in India", "USAndIndia"),
    ("Amit Shah", "AmitShah"), ("the NCB", "narcoticsbureau"), ("Narcotics Control Bureau", "narcoticsbureau"),
])
def test_names_and_aliases(registry: Registry, name: str, handle: str) -> None:
    actor = registry.lookup_name(name)
    assert actor is not None and actor.handle == handle


def test_the_two_embassies_never_merge(registry: Registry) -> None:
    text = "the US Embassy in India thanked the Indian Embassy in the US"
    found = [(text[s:e], a.handle) for s, e, a in registry.find_names(text)]
    assert found == [("US Embassy in India", "USAndIndia"), ("Indian Embassy in the US", "IndianEmbassyUS")]


def test_find_names_is_whole_word_longest_first_and_skips_handles(registry: Registry) -> None:
    text = "Union Home Minister Amit Shah, @AmitShah and Shahid met the Home Ministry."
    found = [(text[s:e], a.handle) for s, e, a in registry.find_names(text)]
    assert ("Amit Shah", "AmitShah") in found
    assert ("Home Ministry", "HMOIndia") in found
    assert all(name != "Shah" for name, _ in found[1:])  # not inside "Shahid", not the @handle
    assert len([h for _, h in found if h == "AmitShah"]) == 1


def test_handles_are_case_insensitive(registry: Registry) -> None:
    actor = registry.get("@meaindia")
    assert actor is not None and actor.handle == "MEAIndia"


def test_normalise_name() -> None:
    assert normalise_name("  The  U.S. Embassy's ") == "us embassy"
    assert normalise_name("Dr. S. Jaishankar") == "s jaishankar"


def test_bad_registry_files_are_one_line_errors(tmp_path: Path) -> None:
    missing = tmp_path / "none.csv"
    with pytest.raises(ConfigError, match="cannot read the registry"):
        read_actors(missing)
    bad = tmp_path / "bad.csv"
    bad.write_text("handle,display_name\nX,Y\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="missing columns"):
        read_actors(bad)
    assert len(load_registry()) == len(read_actors())


def _find_names_reference(registry: Registry, text: str) -> list[tuple[int, int, str]]:
    """The plain algorithm the trie replaces: every name of every first word, longest first."""
    import re
    from itertools import pairwise

    def joined(found: list[tuple[str, int, int]]) -> bool:
        return all(len(text[a[2]:b[1]]) <= 3 and not any(c in text[a[2]:b[1]] for c in "\n()\"“”;:")
                   for a, b in pairwise(found))

    words = [(m.group().lower(), m.start(), m.end()) for m in re.finditer(r"[^\W_]+", text)]
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(words):
        entries = registry.by_first_token.get(words[i][0])
        if entries and not (words[i][1] > 0 and text[words[i][1] - 1] == "@"):
            for tokens, handle in entries:
                size = len(tokens)
                if i + size <= len(words) and all(words[i + k][0] == tokens[k] for k in range(1, size)) \
                        and joined(words[i:i + size]):
                    out.append((words[i][1], words[i + size - 1][2], handle))
                    i += size - 1
                    break
        i += 1
    return out


_NAME_PIECES = ["the", "US", "U.S.", "Embassy", "in", "India", "Amit", "Shah", "@", "(", ")", ", ", ". ", " ", "  ",
                "MEA", "Ministry", "of", "External", "Affairs", "İndia", "Modi", "\n", ";", "-", "’s", "White", "House"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_NAME_PIECES), max_size=30).map(" ".join),
       st.lists(st.sampled_from(_NAME_PIECES), max_size=30).map("".join))
def test_find_names_matches_the_plain_algorithm(spaced: str, packed: str) -> None:
    registry = load_registry()
    for text in (spaced, packed):
        registry.clear_cache()
        assert [(s, e, a.handle) for s, e, a in registry.find_names(text)] == _find_names_reference(registry, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["The", "the", "Mr.", "U.S.", "Embassy’s", "MEA's", ".", "’", "'s", "İndia", "Dr",
                                 "ΟΔΟΣ", "Shri", "a.b.", "x"]) | st.text(min_size=1, max_size=5), max_size=8)
       .map(lambda words: [w for part in words for w in part.split()]))
def test_normalised_prefixes_match_normalise_name(words: list[str]) -> None:
    assert normalised_prefixes(words) == [normalise_name(" ".join(words[:k])) for k in range(1, len(words) + 1)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["The", "the", "Mr.", "mrs", "SHRI", "Dr", "U.S.", "Embassy’s", "MEA's", "'", "’s",
                                 "s", "İndia", "ΟΔΟΣ", " ", "  ", "\t", ".", "x"]) | st.text(max_size=4), max_size=8)
       .map("".join))
def test_normalise_name_is_its_plain_definition(name: str) -> None:
    """Fold dots, curly apostrophes, case and spacing, then drop a leading title or article and
    possessive endings until none is left: what the shortcut for most names must give too."""
    from tracker.registry import _NAME_NOISE
    plain = " ".join(name.replace(".", "").replace("’", "'").lower().split())
    while (stripped := _NAME_NOISE.sub("", plain).strip()) != plain:
        plain = stripped
    # (mypyc's str.lower has no final-sigma rule: the compiled build folds "Σ" to "σ" everywhere)
    assert normalise_name(name).replace("ς", "σ") == plain.replace("ς", "σ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["The", "the", "Mr.", "Dr", "shri", "U.S.", "Embassy", "Embassy’s", "MEA's", "MEA",
                                 "Home", "Minister", "ministry", "of", "External", "Affairs", ".", "’s", "'",
                                 "said", "in", "India", "Prime"]), min_size=1, max_size=8))
def test_may_name_never_misses_a_key(words: list[str]) -> None:
    registry = load_registry()
    keys = [normalise_name(" ".join(words[:k])) for k in range(1, len(words) + 1)]
    if words[0].lower() == "the":
        keys += [normalise_name(" ".join(words[1:k])) for k in range(2, len(words) + 1)]
    if any(key in registry.by_name or key in registry.by_noun or key in registry.by_title for key in keys):
        assert registry.may_name(words)
