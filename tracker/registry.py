"""The registry of accounts (seeds/actors.csv) and name lookup over it.

Articles name an account by its name or an alias ("the MEA", "Ministry of External Affairs"),
by a title ("the Home Minister"), by a generic noun that points back to an account already
named ("the embassy"), or by its @handle. The registry answers the first, third-party-free
questions: which account a name or handle is, and which accounts a title or noun could be.
Choosing among candidates by context is the resolver's job (tracker.resolve).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, count, pairwise
from pathlib import Path
from typing import Any, Final

from tracker.errors import ConfigError
from tracker.models import Actor
from tracker.native import words_module
from tracker.patterns import Memo, factored

SEEDS: Final = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_ACTORS: Final = SEEDS / "actors.csv"
COLUMNS: Final = ("handle", "platform", "display_name", "aliases", "titles", "nouns",
                  "government", "kind", "parent", "pronoun")

# Words dropped before comparing names: articles, honorifics, possessive endings.
_NAME_NOISE: Final = factored(r"^(?:the|mr|mrs|ms|dr|shri|smt)\.?\s+|['’]s?$", re.IGNORECASE)


_NORMALISE_NAME_MEMO: Final = Memo[str, str](65536)


def normalise_name(name: str) -> str:
    """Lower-case a name and fold spacing, dots and a leading article (answers remembered: patterns.Memo)."""
    kept = _NORMALISE_NAME_MEMO.kept
    return kept[name] if name in kept else _NORMALISE_NAME_MEMO.keep(name, _normalise_name_of(name))


def forget_names() -> None:
    """Drop the names kept (benchmarks clear every cache between articles)."""
    _NORMALISE_NAME_MEMO.clear()


def _normalise_name_of(name: str) -> str:
    words = name.replace(".", "").replace("\u2019", "'").lower().split()
    name = " ".join(words)
    if name.isascii() and not (len(words) >= 2 and words[0] in _NOISE_WORDS) \
            and not name.endswith("'") and not name.endswith("'s"):
        return name  # nothing for _NAME_NOISE to drop (a leading title or article, a possessive)
    previous = None
    while previous != name:
        previous = name
        name = _NAME_NOISE.sub("", name).strip()
    return name


def normalised_prefixes(words: list[str]) -> list[str]:
    """``normalise_name(" ".join(words[:k]))`` for k = 1, 2, ...: each word is folded once.

    ``words`` hold no whitespace (they come from ``str.split``)."""
    out = []
    kept: list[str] = []
    name = ""
    ascii_so_far = True
    for size, raw in enumerate(words, start=1):
        word = raw.replace(".", "").replace("\u2019", "'").lower()
        if word:
            kept.append(word)
            name = f"{name} {word}" if name else word
            ascii_so_far = ascii_so_far and word.isascii()
        # what _NAME_NOISE would drop, read off the words: a leading title or article ("the " opens
        # the name: its first word is one and another follows) or a possessive ending (the last word's)
        leading = len(kept) >= 2 and kept[0] in _NOISE_WORDS
        possessive = bool(kept) and (kept[-1].endswith("'") or kept[-1].endswith("'s"))
        if not ascii_so_far or leading or possessive:
            if ascii_so_far and leading and not possessive and not (len(kept) >= 3 and kept[1] in _NOISE_WORDS):
                out.append(name[len(kept[0]) + 1:])  # "the embassy" -> "embassy": nothing more to drop
            else:
                out.append(normalise_name(" ".join(words[:size])))  # _NAME_NOISE has something to drop
        else:
            out.append(name)
    return out


# The possessive endings _NAME_NOISE drops from the end of a name, one after another.
_POSSESSIVE: Final = factored(r"(?:['’]s?)+$", re.IGNORECASE)
# The leading words _NAME_NOISE drops (a title or an article, when another word follows).
_NOISE_WORDS: Final = frozenset({"the", "mr", "mrs", "ms", "dr", "shri", "smt"})


_TOKEN: Final = factored(r"[^\W_]+")
# What separates words, kept by split: the same as _TOKEN's complement.
_GAP: Final = factored(r"([\W_]+)")
# ASCII text as _TOKEN's words, lower case, with spaces between.
_NAME_WORD_BYTES: Final = bytes(b + 32 if 65 <= b <= 90 else b if 97 <= b <= 122 or 48 <= b <= 57 else 32
                                for b in range(256))


def name_tokens(name: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN.findall(name))


def _joined(gaps: list[str]) -> bool:
    """The words of a name stand together: only spaces, dots, hyphens, commas or apostrophes between."""
    return all(len(gap) <= 3 and _BREAKS.search(gap) is None for gap in gaps)


# Characters that keep two words from being one name.
_BREAKS: Final = factored("[\n()\"“”;:]")


class _ByteNode:
    """_Node with the words as ASCII bytes."""

    __slots__ = ("handle", "next")

    def __init__(self, handle: str | None) -> None:
        self.handle = handle
        self.next: dict[bytes, _ByteNode] = {}


def _byte_trie(trie: dict[str, _Node]) -> dict[bytes, _ByteNode]:
    out: dict[bytes, _ByteNode] = {}
    for word, node in trie.items():
        if word.isascii():
            copy = out[word.encode()] = _ByteNode(node.handle)
            copy.next = _byte_trie(node.next)
    return out


def _tuple_trie(trie: dict[bytes, _ByteNode]) -> dict[bytes, tuple[str | None, dict[bytes, Any]]]:
    """The byte trie as plain tuples and dicts, what tracker._words.NameFinder reads."""
    return {word: (node.handle, _tuple_trie(node.next)) for word, node in trie.items()}


_WORDS: Final[Any] = words_module()


class _Node:
    """One word of the name trie: the account whose name ends here, and the words that go on."""

    __slots__ = ("handle", "next")

    def __init__(self) -> None:
        self.handle: str | None = None
        self.next: dict[str, _Node] = {}


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (value or "").split("|") if x.strip())


@dataclass
class Registry:
    actors: dict[str, Actor]
    by_name: dict[str, str] = field(default_factory=dict)
    by_title: dict[str, list[str]] = field(default_factory=dict)
    by_noun: dict[str, list[str]] = field(default_factory=dict)
    by_handle: dict[str, str] = field(default_factory=dict)
    # first token of a name -> (all its tokens, handle), longest first: a word-level trie that
    # finds names in one pass over the text's tokens (a regex of a thousand alternatives is
    # thirty times slower).
    by_first_token: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for actor in self.actors.values():
            self.by_handle[actor.handle.lower()] = actor.handle
            for name in (actor.display_name, *actor.aliases):
                self.by_name.setdefault(normalise_name(name), actor.handle)
                tokens = name_tokens(name)
                if tokens:
                    entries = self.by_first_token.setdefault(tokens[0], [])
                    if all(t != tokens for t, _ in entries):
                        entries.append((tokens, actor.handle))
            for title in actor.titles:
                self.by_title.setdefault(normalise_name(title), []).append(actor.handle)
            for noun in actor.nouns:
                self.by_noun.setdefault(normalise_name(noun), []).append(actor.handle)
        for entries in self.by_first_token.values():
            entries.sort(key=lambda entry: len(entry[0]), reverse=True)
        # The same names as a trie: one dictionary look-up per word of the text, whatever the
        # number of names sharing a first word.
        self._trie: dict[str, _Node] = {}
        for first, entries in self.by_first_token.items():
            for tokens, handle in entries:
                node = self._trie.setdefault(first, _Node())
                for token in tokens[1:]:
                    node = node.next.setdefault(token, _Node())
                if node.handle is None:
                    node.handle = handle
        self._byte_trie = _byte_trie(self._trie)
        # The same trie for tracker._words (C, built by setup.py), which reads a text in one pass;
        # None in the pure-Python build, where _find_ascii_plain and _find_plain read it.
        self._name_finder: Any = None if _WORDS is None else _WORDS.NameFinder(_tuple_trie(self._byte_trie))
        # The first word of every normalised name, title and noun, for may_name.
        self._first_words = {key.split(" ")[0] for table in (self.by_name, self.by_title, self.by_noun)
                             for key in table}
        # The ASCII names of one word, and the first two words of longer ones, for find_names.
        self._single_words = {first.encode() for first, node in self._trie.items()
                              if node.handle is not None and first.isascii()}
        self._first_pairs = {(first.encode(), second.encode()) for first, node in self._trie.items()
                             for second in node.next if first.isascii() and second.isascii()}
        # What an entity needs of an account, computed once: its nouns and titles, normalised.
        self.nouns_of: dict[str, frozenset[str]] = {
            actor.handle: frozenset(normalise_name(n) for n in actor.nouns + actor.titles)
            for actor in self.actors.values()
        }
        self._found: dict[str, list[tuple[int, int, Actor]]] = {}

    def __len__(self) -> int:
        return len(self.actors)

    def __iter__(self) -> Iterator[Actor]:
        return iter(self.actors.values())

    def get(self, handle: str | None) -> Actor | None:
        if not handle:
            return None
        canonical = self.by_handle.get(handle.lower().lstrip("@"))
        return self.actors.get(canonical) if canonical else None

    def lookup_name(self, name: str) -> Actor | None:
        """The account whose name or alias is exactly ``name`` (after normalisation)."""
        handle = self.by_name.get(normalise_name(name))
        return self.actors.get(handle) if handle else None

    def may_name(self, words: list[str]) -> bool:
        """Whether ``words`` (no whitespace in any), or the words after their first, can open
        what normalises to a name, title or noun. normalise_name drops leading titles and
        articles ("the", "mr") and a possessive ending, so the key opens with the first word that
        is not such a title, or with one of those before it, perhaps without a possessive."""
        if "" in self._first_words:
            return True  # an empty key: anything may normalise to it
        for word in words:
            folded = word.replace(".", "").replace("\u2019", "'").lower()
            if not folded:
                continue  # a word of dots normalises to nothing
            if not folded.isascii():
                return True  # case-insensitive letters (ſ for s) the checks below would miss
            if folded in self._first_words or ("'" in folded and _POSSESSIVE.sub("", folded) in self._first_words):
                return True
            if folded not in _NOISE_WORDS:
                return False  # the key cannot open any later
        return False

    def clear_cache(self) -> None:
        self._found.clear()

    def find_names(self, text: str) -> list[tuple[int, int, Actor]]:
        """Every registry name or alias in ``text``, leftmost and longest first, as (start, end, actor).

        Names match whole words, case-insensitively, never right after an '@' (a handle).
        """
        cached = self._found.get(text)
        if cached is not None:
            return cached
        if self._name_finder is not None:
            return self._keep(text, self._find_native(text))
        if text.isascii():
            return self._keep(text, self._find_ascii_plain(text))
        return self._keep(text, self._find_plain(text))

    def _find_plain(self, text: str) -> list[tuple[int, int, Actor]]:
        """find_names for any text, on its words as str."""
        # words and the gaps between them, alternately (the first and last word may be empty);
        # lower-casing may turn a letter into two, so each word is lower-cased alone
        parts = _GAP.split(text)
        words = [word.lower() for word in parts[::2]]
        trie = self._trie
        found: list[tuple[int, int, Actor]] = []
        total = len(words)
        after = 0  # the first word not inside a name already found
        for i in compress(count(), map(trie.__contains__, words)):  # the words that open a name
            if i < after:
                continue
            start = sum(map(len, parts[:2 * i]))
            if start > 0 and text[start - 1] == "@":
                continue
            node = trie[words[i]]
            names: list[tuple[int, str]] = []  # (words, handle) of every name that starts here
            k = i
            while True:
                if node.handle is not None:
                    names.append((k + 1 - i, node.handle))
                k += 1
                if k >= total:
                    break
                following = node.next.get(words[k])
                if following is None:
                    break
                node = following
            for size, handle in reversed(names):  # longest first
                gaps = parts[2 * i + 1:2 * (i + size - 1):2]
                if size == 1 or _joined(gaps):
                    end = start + sum(map(len, parts[2 * i:2 * (i + size) - 1]))
                    found.append((start, end, self.actors[handle]))
                    after = i + size
                    break
        return found

    def _find_native(self, text: str) -> list[tuple[int, int, Actor]]:
        """find_names in one pass in C (tracker._words.NameFinder), for any text."""
        assert self._name_finder is not None
        found: list[tuple[int, int, str]] = self._name_finder.find(text)  # spaced in C (_NAME_WORD_BYTES)
        return [(start, end, self.actors[handle]) for start, end, handle in found]

    def _find_ascii_plain(self, text: str) -> list[tuple[int, int, Actor]]:
        """find_names for ASCII text, on its words as bytes: ``pieces`` are what lies between
        single separators (a space for every other character), so piece j starts after the
        pieces before it and j separators."""
        spaced = text.encode("ascii").translate(_NAME_WORD_BYTES)
        words = spaced.split()
        # most sentences name no account: no word that is a name, no two that open one
        if self._single_words.isdisjoint(words) and self._first_pairs.isdisjoint(pairwise(words)):
            return []
        pieces = spaced.split(b" ")
        total = len(pieces)
        trie = self._byte_trie
        found: list[tuple[int, int, Actor]] = []
        after = 0  # the first piece not inside a name already found
        last_j = last_start = 0  # the last piece whose start was computed, and that start
        for j in compress(count(), map(trie.__contains__, pieces)):  # the words that open a name
            if j < after:
                continue
            start = last_start + sum(map(len, pieces[last_j:j])) + (j - last_j)
            last_j, last_start = j, start
            if start > 0 and text[start - 1] == "@":
                continue
            node = trie[pieces[j]]
            names: list[tuple[int, str]] = []  # (last piece, handle) of every name that starts here
            k = j
            while True:
                if node.handle is not None:
                    names.append((k, node.handle))
                k += 1
                while k < total and not pieces[k]:
                    k += 1
                if k >= total:
                    break
                following = node.next.get(pieces[k])
                if following is None:
                    break
                node = following
            for last, handle in reversed(names):  # longest first
                end = self._joined_end(text, pieces, j, last, start)
                if end is not None:
                    found.append((start, end, self.actors[handle]))
                    after = last + 1
                    break
        return found

    @staticmethod
    def _joined_end(text: str, pieces: list[bytes], first: int, last: int, start: int) -> int | None:
        """Where the name from piece ``first`` to ``last`` ends, if its words stand together."""
        at = start + len(pieces[first])
        previous = first
        for index in range(first + 1, last + 1):
            if pieces[index]:
                gap = index - previous
                if gap > 3 or _BREAKS.search(text, at, at + gap) is not None:
                    return None
                at += gap + len(pieces[index])
                previous = index
        return at

    def _keep(self, text: str, found: list[tuple[int, int, Actor]]) -> list[tuple[int, int, Actor]]:
        if len(self._found) > 4096:
            self._found.clear()
        self._found[text] = found
        return found

    def with_title(self, title: str) -> list[Actor]:
        return [self.actors[h] for h in self.by_title.get(normalise_name(title), [])]



def read_actors(path: Path = DEFAULT_ACTORS) -> list[Actor]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(f"{path}: missing columns {', '.join(missing)}")
            actors = []
            for line, row in enumerate(reader, start=2):
                if not (row.get("handle") or "").strip():
                    raise ConfigError(f"{path}:{line}: empty handle")
                actors.append(Actor(
                    handle=row["handle"].strip().lstrip("@"),
                    platform=(row["platform"] or "x").strip(),
                    display_name=row["display_name"].strip(),
                    aliases=_split(row["aliases"]),
                    titles=_split(row["titles"]),
                    nouns=_split(row["nouns"]),
                    government=(row["government"] or "").strip(),
                    kind=(row["kind"] or "").strip(),
                    parent=(row["parent"] or "").strip() or None,
                    pronoun=(row["pronoun"] or "it").strip() or "it",
                ))
    except OSError as exc:
        raise ConfigError(f"cannot read the registry {path}: {exc.strerror}") from exc
    except csv.Error as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return actors


@lru_cache(maxsize=4)
def load_registry(path: Path = DEFAULT_ACTORS) -> Registry:
    return Registry({a.handle: a for a in read_actors(path)})
