"""The cue lexicon and every other pattern the extractor uses, compiled once.

Each family says why it exists. The extractor reads a quote's *frame* (the words of its
sentence outside the quote marks) and these patterns decide: is the quote a post, on which
platform, who said it, is it a new post or a fragment of one already seen, and how does it
relate to other posts. Nothing here matches whole sentences of any one article.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import re
from collections.abc import Callable, Iterator
from re import _compiler as sre_compiler  # type: ignore[attr-defined]
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, AnyStr, Final, Generic, TypeVar

from tracker.native import words_module

IC: Final = re.IGNORECASE


# ------------------------------------------------------------------ factored alternations
# The engine tries an alternation's branches one after another, and under IGNORECASE it cannot
# skip a branch by its first letter: "\b(?:said|says|posted|...)\b" enters all sixty branches at
# every place it is tried. Branches that open with the same literal are merged into one
# ("s(?:aid|ays|...)|p(?:osted|...)|..."), recursively, so that a failing attempt enters one
# branch per first letter. Merging keeps the engine's order of attempts exactly: branches
# keep their order among those sharing a first literal, and two branches opening with different
# literals (different letters, whatever their case) can never both match at one place, so
# their relative order decides nothing. A branch opening with anything else (a group, a class,
# an empty branch) is a barrier no branch moves across.


def _literal_key(item: tuple[Any, Any], ignorecase: bool) -> Any:
    """What decides whether two branches can share an opening: the literal, case-folded under
    IGNORECASE (fold maps every character that matches a letter case-insensitively to it)."""
    op, value = item
    if op is not sre.LITERAL:
        return None
    return fold(chr(value)) if ignorecase else value


def _merged(branches: list[Any], ignorecase: bool, state: Any) -> list[Any]:
    """``branches`` (parsed alternatives) with those sharing an opening literal merged."""
    out: list[Any] = []
    run: list[Any] = []  # consecutive branches opening with a literal

    def close_run() -> None:
        by_opening: dict[Any, list[Any]] = {}
        for branch in run:
            by_opening.setdefault(_literal_key(branch.data[0], ignorecase), []).append(branch)
        for members in by_opening.values():
            if len(members) == 1:
                out.append(members[0])
                continue
            rests = _merged([sre_parse.SubPattern(state, list(m.data[1:])) for m in members], ignorecase, state)
            head = members[0].data[0]
            tail = list(rests[0].data) if len(rests) == 1 else [(sre.BRANCH, (None, rests))]
            out.append(sre_parse.SubPattern(state, [head, *tail]))
        run.clear()

    for branch in branches:
        if branch.data and _literal_key(branch.data[0], ignorecase) is not None:
            run.append(branch)
        else:
            close_run()
            out.append(branch)
    close_run()
    return out


def _merge_branches(tree: Any, ignorecase: bool, state: Any) -> None:
    """Merge the branches of every alternation in a parsed pattern, in place."""
    for index, (op, value) in enumerate(tree.data):
        if op is sre.BRANCH:
            for branch in value[1]:
                _merge_branches(branch, ignorecase, state)
            tree.data[index] = (op, (value[0], _merged(list(value[1]), ignorecase, state)))
        elif op is sre.SUBPATTERN:
            _, add, delete, inner = value
            _merge_branches(inner, bool((ignorecase or add & sre.SRE_FLAG_IGNORECASE)
                                        and not delete & sre.SRE_FLAG_IGNORECASE), state)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            _merge_branches(value[2], ignorecase, state)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            _merge_branches(value[1], ignorecase, state)
        elif op is sre.ATOMIC_GROUP:
            _merge_branches(value, ignorecase, state)
        elif op is sre.GROUPREF_EXISTS:
            for inner in value[1:]:
                if inner is not None:
                    _merge_branches(inner, ignorecase, state)


def factored(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """``re.compile(pattern, flags)`` with its alternations' branches merged by opening literal:
    the same pattern (same matches, groups, ``.pattern`` and ``.flags``), tried faster."""
    tree = sre_parse.parse(pattern, flags)
    _merge_branches(tree, bool(tree.state.flags & re.IGNORECASE), tree.state)
    code = sre_compiler._code(tree, flags)
    names = tree.state.groupdict
    by_index: list[str | None] = [None] * tree.state.groups
    for name, index in names.items():
        by_index[index] = name
    compiled: re.Pattern[AnyStr] = _sre.compile(pattern, flags | tree.state.flags, code, tree.state.groups - 1,
                                                names, tuple(by_index))
    return compiled


# ------------------------------------------------------------------ first words
# An anchored alternation of words ("^(?:in|on|the\s+day|...)\b") can match only a text whose first
# word is the first word of one of its branches, and, where every such branch goes on with a
# space and a second word ("the day"), whose second word is one of those. Most texts asked about
# open otherwise ("The ministry said"): their leading ASCII letters, lower-cased and looked up in
# a set, rule them out without the engine.


def _letters(parts: list[Any], at: int) -> int:
    """Where the run of ASCII letter literals from ``parts[at]`` ends."""
    while at < len(parts) and parts[at][0] is sre.LITERAL and chr(parts[at][1]).isascii() \
            and chr(parts[at][1]).isalpha():
        at += 1
    return at


def _branch_words(pattern: str, flags: int) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    r"""The first words of the branches of ``^(?:...)\b`` that are one word, and for the others,
    their first word and the second words that may follow it. A branch opens with ASCII letters,
    then ends or goes on with what matches no letter; a second word is ASCII letters after \s or
    \s+, followed likewise. ValueError for a pattern of another shape."""
    items = list(sre_parse.parse(pattern, flags))
    if len(items) != 3 or items[0] != (sre.AT, sre.AT_BEGINNING) or items[2] != (sre.AT, sre.AT_BOUNDARY) \
            or items[1][0] is not sre.BRANCH:  # the parser drops the (?:...) around the branches
        raise ValueError(f"not ^(?:...|...)\\b: {pattern!r}")
    single: set[str] = set()
    second: dict[str, set[str]] = {}
    for branch in items[1][1][1]:
        parts = list(branch)
        first_end = _letters(parts, 0)
        if not first_end or not (first_end == len(parts) or _is_space(*parts[first_end])):
            raise ValueError(f"a branch that opens with no word: {pattern!r}")
        first = "".join(chr(code) for _, code in parts[:first_end]).lower()
        word_end = _letters(parts, first_end + 1)
        if first_end < len(parts) and word_end > first_end + 1 \
                and (word_end == len(parts) or _is_space(*parts[word_end])):
            second.setdefault(first, set()).add("".join(chr(code) for _, code in parts[first_end + 1:word_end]).lower())
        else:
            single.add(first)  # one word, or a second part of another shape: the first word decides
    return frozenset(single), {first: frozenset(words) for first, words in second.items() if first not in single}


class FirstWord:
    r"""``^(?:word|word\s+word|...)\b`` (see above): ``match`` answers as the pattern's, trying
    the pattern only when the text's first words open a branch or are not plain ASCII."""

    __slots__ = ("flags", "pattern", "regex", "second", "words")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        if not flags & re.IGNORECASE:
            raise ValueError("FirstWord is for case-insensitive patterns")
        self.regex = factored(pattern, flags)
        self.pattern = pattern
        self.flags = self.regex.flags
        self.words, self.second = _branch_words(pattern, flags)

    def match(self, text: str) -> re.Match[str] | None:
        end = _ascii_letters(text, 0)
        if end < 0:
            return self.regex.match(text)  # a letter outside ASCII may fold to one (ſ, K)
        # the leading ASCII letters, then an ASCII non-letter or the end: a branch's word matches
        # them only if it is them (a longer one needs a letter there, a shorter one a boundary)
        first = text[:end].lower()
        if first in self.words:
            return self.regex.match(text)
        second = self.second.get(first)
        if second is None:
            return None
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
        if start == end:
            return None  # no space after the first word
        end = _ascii_letters(text, start)
        if end < 0:
            return self.regex.match(text)
        return self.regex.match(text) if text[start:end].lower() in second else None


def _ascii_letters(text: str, start: int) -> int:
    """Where the run of ASCII letters from ``start`` ends; -1 if a character outside ASCII ends it."""
    size = len(text)
    end = start
    while end < size:
        code = ord(text[end])
        if not (97 <= code <= 122 or 65 <= code <= 90):
            return -1 if code >= 128 else end
        end += 1
    return end


# ------------------------------------------------------------------ prefiltered search
# Python's regex engine has no fast scan for a pattern that opens with \b and a case-insensitive
# alternation of words: it tries the whole pattern at every character, some 30 µs per sentence
# and pattern. Every match of such a pattern opens with one of a few literals ("said", "posted",
# "in", ...), read off the pattern's own syntax. One case-sensitive search for those literals in
# the lower-cased text finds the only places a match can start; the pattern is tried there alone.

# The characters that a case-insensitive pattern matches to an ASCII letter although their
# lower case is not that letter (İ, dotless ı, long s); str.lower does the rest (Kelvin K).
_FOLD_SPECIAL: Final = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
# How many characters of an opening literal to use: longer ones are rarer, but each character
# multiplies the ways a class ([sz]) can spell it.
_PREFIX_CHARS: Final = 6


# The characters a case-insensitive pattern matches to an ASCII letter, besides ASCII letters.
_FOLDS_TO_ASCII: Final = ("\u0130", "\u0131", "\u017f", "\u212a")


K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """Answers kept by their question, up to ``most`` of them (then it starts over). The compiled
    extractor reads ``kept`` directly: lru_cache's wrapper cost more than most of its answers."""

    def __init__(self, most: int) -> None:
        self.kept: dict[K, V] = {}
        self.most = most

    def keep(self, key: K, value: V) -> V:
        if len(self.kept) >= self.most:
            self.kept.clear()
        self.kept[key] = value
        return value

    def clear(self) -> None:
        self.kept.clear()


def fold(text: str) -> str:
    """Lower case with every offset kept: a character folds to exactly one character."""
    if not text.isascii() and any(special in text for special in _FOLDS_TO_ASCII[:3]):
        text = text.translate(_FOLD_SPECIAL)  # a translation table is slow on long text: only if needed
    return text.lower()


def _class_chars(items: list[tuple[Any, Any]]) -> list[str] | None:
    chars = []
    for op, value in items:
        if op is not sre.LITERAL:
            return None  # a range, a category or a negation: too many ways to open
        chars.append(fold(chr(value)))
    return chars if len(chars) <= 10 else None  # the ten digits, at most


# In the literals below, a word boundary the pattern demands (\b, or whitespace before a word).
_EDGE: Final = "\x00"


def _is_space(op: Any, value: Any) -> bool:
    r"""``\s`` or ``\s+``: an element after which a word starts at a word boundary."""
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and value[0] >= 1 and len(value[2]) == 1:
        op, value = value[2][0]
    return op is sre.IN and list(value) == [(sre.CATEGORY, sre.CATEGORY_SPACE)]


def _chars(literal: str) -> int:
    return len(literal.replace(_EDGE, ""))


def _then(char: str, tail: str) -> str:
    """A character and the opening that follows it; a boundary alone after a word character only."""
    if _chars(tail) or (tail == _EDGE and _is_word(char)):
        return char + tail
    return char


def _openings(items: list[tuple[Any, Any]], budget: int = _PREFIX_CHARS, edge: bool = False) -> set[str]:
    """The folded literals every match of ``items`` opens with; "" when it may open with anything."""
    if not items:
        return {_EDGE} if edge else {""}  # a word boundary where the match ends
    if budget == 0:
        return {""}
    op, value = items[0]
    rest = items[1:]
    if op is sre.AT:
        return _openings(rest, budget, edge or value is sre.AT_BOUNDARY)
    if _is_space(op, value):
        return {_EDGE}  # a word before whitespace ends at a boundary
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return _openings(rest, budget, edge)  # zero-width: the match still opens with what follows
    mark = _EDGE if edge else ""
    if op is sre.LITERAL:
        return {mark + _then(fold(chr(value)), tail) for tail in _openings(rest, budget - 1)}
    if op is sre.IN:
        chars = _class_chars(value)
        if chars is None:
            return {""}
        tails = _openings(rest, budget - 1)
        return {mark + _then(c, tail) for c in chars for tail in tails}
    if op is sre.SUBPATTERN:
        return _openings(list(value[-1]) + rest, budget, edge)
    if op is sre.ATOMIC_GROUP:
        return _openings(list(value) + rest, budget, edge)
    if op is sre.BRANCH:
        found: set[str] = set()
        for alternative in value[1]:
            found |= _openings(list(alternative) + rest, budget, edge)
        return found
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, item = value
        # once: the item and what follows it; more often: the item's own opening is all we know
        found = _openings(list(item) + rest if high == 1 else list(item), budget, edge)
        if low == 0:
            found |= _openings(rest, budget, edge)
        return found
    return {""}


def _required(items: list[tuple[Any, Any]], edge: bool = False) -> set[str] | None:
    """Folded literals of which every match of ``items`` contains one, the rarest such choice;
    None when no part of the pattern is both mandatory and literal."""
    choices: list[set[str]] = []
    run = ""
    for index, (op, value) in enumerate([*items, (None, None)]):
        rest = items[index + 1:]
        if op is sre.LITERAL:
            run += (_EDGE if edge and not run else "") + fold(chr(value))
            edge = not _is_word(chr(value))  # a word after "," opens at a boundary
            continue
        if run:
            if len(run) <= _PREFIX_CHARS + 3 and _ends_word(op, value, rest):
                run += _EDGE  # a whole word: far rarer than the same letters inside words
            choices.append({run[:_PREFIX_CHARS + 3]})
            run = ""
        found: set[str] | None = None
        if op is sre.IN:
            chars = _class_chars(value)
            found = {(_EDGE if edge else "") + c for c in chars} if chars else None
        elif op is sre.SUBPATTERN:
            found = _required(list(value[-1]), edge)
        elif op is sre.ATOMIC_GROUP:
            found = _required(list(value), edge)
        elif op is sre.BRANCH:
            found = set()
            for alternative in value[1]:
                inner = _required(list(alternative), edge)
                if inner is None:
                    found = None
                    break
                found |= inner
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and value[0] >= 1:
            found = _required(list(value[2]), edge and not _is_space(op, value))
        if found and all(_chars(f) for f in found):
            choices.append(found)
        if op is sre.AT:
            edge = edge or value is sre.AT_BOUNDARY
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            pass
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and value[0] == 0:
            edge = edge and _ends_at_edge([(op, value)])  # skipped, or taken and ending at an edge
        else:
            edge = _ends_at_edge([(op, value)])
    if not choices:
        return None
    return max(choices, key=lambda choice: (min(_rarity(c) for c in choice), -len(choice)))


def _ends_at_edge(items: list[tuple[Any, Any]]) -> bool:
    """Whatever ``items`` match ends at a word boundary or in whitespace, so a word may open next."""
    if not items:
        return False
    op, value = items[-1]
    if op is sre.AT:
        return bool(value is sre.AT_BOUNDARY)
    if _is_space(op, value):
        return True
    if op is sre.LITERAL:
        return not _is_word(chr(value))  # "," then a word: the word opens at a boundary
    if op is sre.IN:
        chars = _class_chars(value)
        return bool(chars) and not any(_is_word(c) for c in chars or ())
    if op is sre.SUBPATTERN:
        return _ends_at_edge(list(value[-1]))
    if op is sre.BRANCH:
        return all(_ends_at_edge(list(alternative)) for alternative in value[1])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return _ends_at_edge(list(value[2]))  # taken at least once here: the caller sees to none
    return False


def _word_reach(items: list[tuple[Any, Any]]) -> int | None:
    """The most characters a match can hold outside its whitespace runs (\\s+, \\s*); None if
    unbounded. A match that opens at s holds every character up to the required literal it
    contains, so where more word characters than this stand between s and the next required
    literal, no match opens at s (see Prefiltered.search)."""
    total = 0
    for op, value in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero-width
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY):
            total += 1
        elif op is sre.SUBPATTERN:
            inner = _word_reach(list(value[-1]))
            if inner is None:
                return None
            total += inner
        elif op is sre.ATOMIC_GROUP:
            inner = _word_reach(list(value))
            if inner is None:
                return None
            total += inner
        elif op is sre.BRANCH:
            widths = [_word_reach(list(alternative)) for alternative in value[1]]
            if any(w is None for w in widths):
                return None
            total += max(w for w in widths if w is not None)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            high, item = value[1], list(value[2])
            if len(item) == 1 and _is_space(*item[0]):
                continue  # whitespace (\\s+, \\s*): spaces in ascii_words, never counted there
            inner = _word_reach(item)
            if inner is None or high is sre.MAXREPEAT:
                return None
            total += high * inner
        else:
            return None  # a back-reference or anything else: no bound claimed
    return total


def _rarity(literal: str) -> int:
    """How rare a literal is in prose, roughly: its letters, more if it opens a word, far more if
    it is a whole word (the platform "X" against the "x" of "next")."""
    if literal.replace(_EDGE, "") in _COMMON_WORDS:
        return 1
    opens, closes = literal.startswith(_EDGE), literal.endswith(_EDGE) and _chars(literal) > 0
    return _chars(literal) + opens + closes + 2 * (opens and closes)


# The words of any English sentence: never the literal to look for when the pattern has another.
_COMMON_WORDS: Final = frozenset(["a", "an", "and", "as", "at", "by", "for", "from", "he", "her", "his", "in", "is",
                                  "it", "its", "of", "on", "or", "she", "that", "the", "their", "this", "to", "was",
                                  "were", "with"])


def _ends_word(op: Any, value: Any, rest: list[tuple[Any, Any]]) -> bool:
    """After a literal, a word boundary, whitespace or a look-ahead refusing a word character,
    perhaps behind other look-arounds: the literal ends a word there."""
    while True:
        if op is sre.AT:
            if value is sre.AT_BOUNDARY:
                return True
        elif _is_space(op, value):
            return True
        elif op is sre.ASSERT_NOT and value[0] == 1 and len(value[1]) == 1:
            inner_op, inner = value[1][0]
            if inner_op is sre.IN and (sre.CATEGORY, sre.CATEGORY_WORD) in list(inner):
                return True
        elif op is not sre.ASSERT and op is not sre.ASSERT_NOT:
            return False
        if not rest:
            return False
        (op, value), rest = rest[0], rest[1:]


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _trie(literals: list[str], at_word: bool) -> list[str]:
    """Literals as a trie of alternatives, one branch per first character: the engine checks
    one character per branch where a flat alternation would try every literal in turn (three
    times faster on a sentence), and still scans for the first characters alone."""
    root: dict[str, Any] = {}
    for literal in literals:
        node = root
        for char in literal.replace(_EDGE, ""):
            node = node.setdefault(char, {})
        node[_EDGE if literal.endswith(_EDGE) else ""] = {}

    def emit(node: dict[str, Any], last: str) -> str:
        branches = []
        for key in sorted(node):
            if key == "":
                branches.append("")
            elif key == _EDGE:  # a word boundary after the literal
                branches.append(r"(?!\w)" if _is_word(last) else r"(?=\w)")
            else:
                branches.append(re.escape(key) + emit(node[key], key))
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    # a word opens here: no word character before the first one (checked once it is found)
    behind = r"(?<!\w.)" if at_word else ""
    return [re.escape(first) + behind + emit(node, first) for first, node in sorted(root.items())]


# A text as its ASCII words: ASCII letters (lower case), digits and "_", every other character a
# space, and a space before and after. A literal that opens a word is a space and the literal
# there, so the engine scans for spaces alone (a fifth of the characters) where it would try
# every letter of the folded text. A letter outside ASCII becomes a space too: a word boundary
# may appear that the text does not have (more places to try, never fewer), but none is lost.
_WORD_BYTES: Final = bytes(b + 32 if 65 <= b <= 90 else b if 97 <= b <= 122 or 48 <= b <= 57 or b == 95 else 32
                           for b in range(256))
_ASCII_WORD: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def ascii_words(text: str) -> bytes | None:
    """``text`` as its ASCII words, one byte per character after the leading space; None if it
    holds a character that folds to an ASCII letter (İ, ı, ſ, the Kelvin sign)."""
    last = _LAST  # a sentence's frame is read by one pattern after another
    if last.text is text:
        return last.words
    # a third of the texts asked about are copies of one asked before (a clause stripped again,
    # the same noun phrase): the same bytes come back, so the lexicon's bits for them are kept too
    words: bytes | None = _WORDS_OF.get(text)
    if words is None:
        words = _words_of(text) if _TEXT_WORDS is None else _TEXT_WORDS(text)  # in one pass, in C
        if len(_WORDS_OF) >= _WORDS_KEPT:
            _WORDS_OF.clear()
        _WORDS_OF[text] = words
    found = words or None
    last.text, last.words = text, found
    return found


def _words_of(text: str) -> bytes:
    """What tracker._words.text_words gives: ``text``'s words, b"" for "none" (real words hold two
    spaces at least)."""
    if text.isascii():
        return b" " + text.encode("ascii").translate(_WORD_BYTES) + b" "
    if any(special in text for special in _FOLDS_TO_ASCII):
        return b""
    return b" " + text.encode("ascii", "replace").translate(_WORD_BYTES) + b" "


class _Last:
    """The text ascii_words last answered for, and its answer: read in place by the patterns that
    ask next (an attribute of a compiled object, where a module global is a dictionary entry)."""

    text: str
    words: bytes | None

    def __init__(self) -> None:
        self.text, self.words = "", b"  "


_LAST: Final = _Last()
_WORDS_OF: Final[dict[str, bytes]] = {}  # text -> its words (b"" for None), for the texts asked about lately
_WORDS_KEPT: Final = 4096


def forget_words() -> None:
    """Drop the words kept for the texts asked about (benchmarks clear every cache between articles)."""
    _LAST.text, _LAST.words = "", b"  "
    _WORDS_OF.clear()
    for lexicon in _union:
        lexicon.forget()


def _word_literal(literal: str) -> str | None:
    """The literal as it stands in ``ascii_words`` (its boundaries as spaces): its leading word
    characters, which every occurrence of the literal holds too; None if it opens with another."""
    chars = literal.replace(_EDGE, "")
    run = 0
    while run < len(chars) and chars[run] in _ASCII_WORD:
        run += 1
    if run == 0:
        return None
    closes = run == len(chars) and literal.endswith(_EDGE)
    return (" " if literal.startswith(_EDGE) else "") + chars[:run] + (" " if closes else "")


def _word_literals(found: set[str], contained: bool, openings: bool) -> WordSet | None:
    """``_literals`` over ``ascii_words``: None unless every literal is made of word characters
    (and, for openings, opens a word, so that a match is a space and the literal after it)."""
    words = {_word_literal(f) for f in _kept(found, contained)}
    if None in words or (openings and not all(w and w.startswith(" ") for w in words)):
        return None
    return WordSet(sorted(w for w in words if w))


_LEXICONS: Final[Any] = words_module()  # tracker._words (setup.py builds it from _words.c), else None
_TEXT_WORDS: Final[Any] = None if _LEXICONS is None else _LEXICONS.text_words  # ascii_words in C
# The literals of every WordSet, with its bit: what one pass of the union lexicon looks for.
_ENTRIES: Final[list[tuple[bytes, int]]] = []
_union: Final[list[Any]] = []  # the union lexicon, built at first use (and again when a set is added)
_union_has: Final[list[Any]] = []  # its bound has(), called without a method look-up per question


class WordSet:
    """A set of literals over ``ascii_words`` (as _word_literal gives them). With tracker._words,
    one pass in C over a text's words tells which of all the sets occur there (the union lexicon's has),
    and a set's own lexicon finds where its next literal starts; without it, a regular expression
    of the literals as a trie answers both, the same way."""

    __slots__ = ("bit", "find_at", "index", "literals", "regex")

    def __init__(self, literals: list[str]) -> None:
        self.regex = re.compile("|".join(_plain_trie(literals)).encode("ascii"))
        encoded = [literal.encode("ascii") for literal in literals]
        self.literals = tuple(encoded)
        self.index = -1  # the set's bit in the union lexicon; -1 when the regular expression answers
        self.find_at: Any = None  # the set's own lexicon's bound find()
        if _LEXICONS is not None and encoded and all(len(literal) >= 2 for literal in encoded):
            self.index = _ENTRIES[-1][1] + 1 if _ENTRIES else 0
            _ENTRIES.extend((literal, self.index) for literal in encoded)
            _union.clear()
            _union_has.clear()
            self.find_at = _LEXICONS.Lexicon([(literal, 0) for literal in encoded]).find
        # the index as an object made once: passed to the lexicon at every question, an int of the
        # compiled class would be boxed each time (a new object past 256)
        self.bit: object = self.index

    def present(self, words: bytes) -> bool:
        """Whether one of the literals occurs in ``words`` (from the union lexicon's last pass, if
        it read these words already)."""
        if self.index >= 0:
            if not _union_has:
                _union.append(_LEXICONS.Lexicon(_ENTRIES))
                _union_has.append(_union[0].has)
            found: bool = _union_has[0](words, self.bit)
            return found
        return self.regex.search(words) is not None

    def find(self, words: bytes, pos: int) -> int:
        """Where the first literal at or after ``pos`` starts, or -1."""
        if self.find_at is not None:
            found: int = self.find_at(words, pos)
            return found
        match = self.regex.search(words, pos)
        return -1 if match is None else match.start()


def _plain_trie(literals: list[str]) -> list[str]:
    root: dict[str, Any] = {}
    for literal in literals:
        node = root
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(key) + emit(node[key]) if key else "" for key in sorted(node)]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return [re.escape(first) + emit(node) for first, node in sorted(root.items())]


def _kept(found: set[str], contained: bool) -> list[str]:
    """The literals no other one implies."""
    def implied(literal: str, other: str) -> bool:
        return other != literal and (other in literal if contained else literal.startswith(other))
    return [f for f in found if not any(implied(f, other) for other in found)]


def _literals(found: set[str], contained: bool) -> re.Pattern[str]:
    """One case-sensitive search for any of ``found``, dropping those another one implies."""
    kept = _kept(found, contained)
    at_word = [k for k in kept if k.startswith(_EDGE) and _is_word(k.replace(_EDGE, "")[0])]
    anywhere = [k for k in kept if k not in at_word]
    return re.compile("|".join(_trie(at_word, True) + _trie(anywhere, False)))


def _scans_fast(items: list[tuple[Any, Any]], ignorecase: bool) -> bool:
    """The engine itself skips to where a match can start: the pattern opens with a literal or a
    set of them, compared without case folding. Such patterns are searched as they are."""
    if not items:
        return False
    op, value = items[0]
    if op is sre.SUBPATTERN:
        _, add, delete, inner = value
        return _scans_fast(list(inner), bool((ignorecase or add & sre.SRE_FLAG_IGNORECASE)
                                             and not delete & sre.SRE_FLAG_IGNORECASE))

    def plain(code: int) -> bool:
        return not ignorecase or chr(code).lower() == chr(code).upper()

    if op is sre.LITERAL:
        return plain(value)
    if op is sre.IN:
        return all(kind is sre.LITERAL and plain(code) for kind, code in value)
    if op is sre.BRANCH:
        return all(alternative and alternative[0][0] is sre.LITERAL and plain(alternative[0][1])
                   for alternative in value[1])
    return False


# The characters case-insensitive matching takes for an ASCII letter besides its two cases
# (_FOLDS_TO_ASCII, by the letter they fold to): {"i": "İı", "s": "ſ", "k": "K"}.
_ALSO_MATCHES: Final = {fold(c): "".join(o for o in _FOLDS_TO_ASCII if fold(o) == fold(c)) for c in _FOLDS_TO_ASCII}
# A set of first characters at most this large is tested before match() runs the pattern.
_FIRST_CHARS: Final = 12


def _first_chars(openings: set[str]) -> str | None:
    """Every character a match can open with, whatever the case, when the openings say and they
    are few ASCII ones: an anchored alternation ("^(?:where|when|which|as|...)") fails slowly,
    one branch after another, on the most texts, which open with none of them."""
    firsts = {opening.replace(_EDGE, "")[:1] for opening in openings}
    if "" in firsts or not all(first.isascii() for first in firsts):
        return None
    chars = "".join(sorted({c for first in firsts for c in first + first.upper() + _ALSO_MATCHES.get(first, "")}))
    return chars if len(chars) <= _FIRST_CHARS else None



class Prefiltered:
    """A compiled pattern tried only where its literals occur (see above); answers exactly as it.

    ``required``: literals of which every match contains one; without any in the text there is no
    match. ``opening``: literals every match opens with; a match starts where one of them starts,
    so the leftmost match is found by trying the pattern at those places alone.
    """

    __slots__ = ("anchor", "each_opening", "first_chars", "flags", "literals", "match_at", "nonempty", "opening",
                 "opening_words", "pattern", "reach", "regex", "required", "required_words")

    def __init__(self, regex: re.Pattern[str], anchor: tuple[str, str] | None = None) -> None:
        self.regex = regex
        self.match_at: Callable[..., re.Match[str] | None] = regex.match  # bound once: tried at every candidate, without a method look-up
        # (stops, tail): every match is a head holding none of the characters ``stops`` names,
        # then ``tail``, which opens with one of them (see _anchored)
        self.anchor = None if anchor is None else (re.compile(anchor[0]), re.compile(anchor[1], regex.flags))
        self.pattern = regex.pattern
        self.flags = regex.flags
        tree = sre_parse.parse(regex.pattern, regex.flags)
        parsed = list(tree)
        self.nonempty = tree.getwidth()[0] > 0
        openings = _openings(parsed)
        self.first_chars = _first_chars(openings)
        # what a family of patterns (AnyOf) looks for on this one's behalf
        self.literals = _required(parsed)
        required = self.literals
        if _scans_fast(parsed, bool(regex.flags & re.IGNORECASE)):
            openings, required = {""}, None
        unbounded = any(not _chars(o) for o in openings)
        self.opening = None if unbounded else _literals(openings, contained=False)
        self.required = None if required is None else _literals(required, contained=True)
        self.opening_words = None if unbounded else _word_literals(openings, False, openings=True)
        self.required_words = None if required is None else _word_literals(required, True, openings=False)
        # Long openings are rare enough to be the only test; short ones ("in", "a") occur
        # everywhere, so the required literals are looked for first.
        self.each_opening = not unbounded and min(_rarity(o) for o in openings) >= 3
        if self.required is not None and self.opening is not None and self.required.pattern == self.opening.pattern:
            self.each_opening = True  # the openings are the required literals: one search does
        # how many word characters a match holds at most (its whitespace aside); -1 for no bound
        reach = _word_reach(parsed)
        self.reach = -1 if reach is None or self.required_words is None else reach

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        if pos or endpos is not None:
            return self._search_slice(text, pos, len(text) if endpos is None else min(endpos, len(text)))
        if self.required is None and self.opening is None:
            return self._plain(text, 0, len(text))
        checked = False  # the required literals were looked for
        last = _LAST  # ascii_words(text), its last answer read here without a call
        words = last.words if last.text is text else ascii_words(text)
        if words is not None:
            opening_words = self.opening_words
            required_words = self.required_words
            if required_words is not None and (required_words.index >= 0 or not (self.each_opening and opening_words)):
                if not required_words.present(words):
                    return None
                checked = True
            if opening_words is not None:
                # the pattern tried where an opening stands
                match_at = self.match_at
                start = opening_words.find(words, 0)
                reach = self.reach
                if reach >= 0 and required_words is not None:
                    # ... and a required literal stands near enough after it: a match opening at
                    # start holds the text up to the first required literal at or after start
                    # ("on" and "the" open a date everywhere, its weekday or month is rarer)
                    ahead = -1  # the first required literal at or after the last opening tried
                    while start >= 0:
                        if ahead < start:
                            ahead = required_words.find(words, start)
                            if ahead < 0:
                                return None
                        between = ahead - start - 1  # characters, spaces included (counted only if too many)
                        if between <= reach or between - words.count(b" ", start + 1, ahead) <= reach:
                            found = match_at(text, start)
                            if found is not None:
                                return found
                        start = opening_words.find(words, start + 1)
                    return None
                while start >= 0:
                    found = match_at(text, start)
                    if found is not None:
                        return found
                    start = opening_words.find(words, start + 1)
                return None
        folded = fold(text)
        if not checked and self.required is not None and not (self.each_opening and self.opening is not None) \
                and self.required.search(folded) is None:
            return None
        if self.opening is None:
            return self._plain(text, 0, len(text))
        find = self.opening.search
        at = find(folded)
        match = self.match_at
        while at is not None:
            start = at.start()
            found = match(text, start)
            if found is not None:
                return found
            at = find(folded, start + 1)
        return None

    def _search_slice(self, text: str, pos: int, end: int) -> re.Match[str] | None:
        """``search`` between ``pos`` and ``end``: only that slice is folded and scanned. A literal
        at the edge of the slice may pass a boundary test the whole text would fail: the pattern
        itself decides there."""
        if self.required is None and self.opening is None:
            return self._plain(text, pos, end)
        folded = fold(text[pos:end])
        if self.required is not None and not self.each_opening and self.required.search(folded) is None:
            return None
        if self.opening is None:
            return self._plain(text, pos, end)
        find = self.opening.search
        at = find(folded)
        while at is not None:
            found = self.match_at(text, at.start() + pos, end)
            if found is not None:
                return found
            at = find(folded, at.start() + 1)
        return None

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        end = len(text) if endpos is None else min(endpos, len(text))
        whole = pos == 0 and end == len(text)
        if self.opening is None or not self.nonempty:
            first = self.search(text) if whole else self.search(text, pos, end)
            if first is None:
                return iter(())
            return self.regex.finditer(text, first.start(), end) if self.anchor is None else \
                self._each_anchored(text, first, end)
        if whole and self.opening_words is not None:
            words = ascii_words(text)
            if words is not None:
                return iter(self._word_matches(text, words, self.opening_words))
        return self._each(text, pos, end)

    def every(self, text: str) -> list[re.Match[str]]:
        """``list(self.finditer(text))``, made as a list: most texts are read where the literals
        stand in their words, without a generator."""
        opening = self.opening_words
        if opening is None or self.opening is None or not self.nonempty:
            return list(self.finditer(text))
        words = ascii_words(text)
        if words is None:
            return list(self.finditer(text))
        return self._word_matches(text, words, opening)

    def _word_matches(self, text: str, words: bytes, opening: WordSet) -> list[re.Match[str]]:
        """Every match, as ``finditer`` gives them, read from ``ascii_words(text)``, where an
        opening's offset is the literal's own: the next one is looked for from the last match's end."""
        found: list[re.Match[str]] = []
        required_words = self.required_words
        if required_words is not None and (required_words.index >= 0 or not self.each_opening) \
                and not required_words.present(words):
            return found
        match_at = self.match_at
        at = opening.find(words, 0)
        while at >= 0:
            match = match_at(text, at)
            if match is None:
                at = opening.find(words, at + 1)
            else:
                found.append(match)
                at = opening.find(words, match.end())
        return found

    def _plain(self, text: str, pos: int, end: int) -> re.Match[str] | None:
        """The pattern's own search between ``pos`` and ``end``, through its anchor if it has one."""
        return self.regex.search(text, pos, end) if self.anchor is None else self._anchored(text, pos, end)

    def _anchored(self, text: str, pos: int, end: int) -> re.Match[str] | None:
        """The leftmost match, found from its tail. A match's head holds no stop character, so the
        tail of a match starting at s opens at the first stop at or after s: each stop whose tail
        matches (most stops are apostrophes of other words) is tried with the starts before it,
        back to the stop before, instead of trying the head at every character of the text."""
        assert self.anchor is not None
        stops, tail = self.anchor
        low = pos
        stop = stops.search(text, pos, end)
        while stop is not None:
            at = stop.start()
            after = tail.match(text, at, end)
            if after is not None:
                found = self.regex.search(text, low, after.end())
                if found is not None:
                    return found
            low = at + 1
            stop = stops.search(text, low, end)
        return None

    def _each_anchored(self, text: str, first: re.Match[str], end: int) -> Iterator[re.Match[str]]:
        """finditer through the anchor (matches are never empty: each search goes on from the last end)."""
        found: re.Match[str] | None = first
        while found is not None:
            yield found
            found = self._anchored(text, found.end(), end)

    def _each(self, text: str, pos: int, end: int) -> Iterator[re.Match[str]]:
        """Every match, as ``finditer`` gives them: the next one is searched from the last one's end."""
        folded, shift = fold(text[pos:end]) if pos or end < len(text) else fold(text), pos
        if self.required is not None and not self.each_opening and self.required.search(folded) is None:
            return
        assert self.opening is not None
        find = self.opening.search
        at = find(folded)
        while at is not None:
            found = self.match_at(text, at.start() + shift, end)
            if found is None:
                at = find(folded, at.start() + 1)
            else:
                yield found
                at = find(folded, found.end() - shift)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        first_chars = self.first_chars
        if first_chars is not None and pos >= 0 and text[pos: pos + 1] not in first_chars:
            return None  # no match opens with that character (an empty slice is in every string)
        required_words = self.required_words
        if pos == 0 and endpos is None and required_words is not None and required_words.index >= 0:
            # the union lexicon's bits for the text's words (one pass answers every pattern asked
            # about the same text next), as search reads them
            words = ascii_words(text)
            if words is not None and not required_words.present(words):
                return None  # none of the literals every match holds (a failed match costs more)
        return self.match_at(text, pos, len(text) if endpos is None else endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return self.regex.fullmatch(text, pos, len(text) if endpos is None else endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0) -> str:
        if self.search(text) is None:
            return text
        return self.regex.sub(repl, text, count)


class AnyOf:
    """Whether any of several patterns can match a text: one scan for all their required literals,
    so a sentence none of them can match costs one search, not one per pattern."""

    __slots__ = ("scan", "scan_words")

    def __init__(self, *patterns: Prefiltered) -> None:
        literals: set[str] = set()
        for pattern in patterns:
            literals |= pattern.literals or {""}
        # None when one of them may match without any literal: then there is no shortcut
        bounded = all(_chars(literal) for literal in literals)
        self.scan = _literals(literals, contained=True) if bounded else None
        self.scan_words = _word_literals(literals, True, openings=False) if bounded else None

    def possible(self, text: str) -> bool:
        if self.scan_words is not None:
            last = _LAST
            words = last.words if last.text is text else ascii_words(text)
            if words is not None:
                return self.scan_words.present(words)
        return self.scan is None or self.scan.search(fold(text)) is not None


def prefiltered(pattern: str, flags: int = 0, anchor: tuple[str, str] | None = None) -> Prefiltered:
    """``re.compile(pattern, flags)``, searched through its literals (and its anchor, if given)."""
    return Prefiltered(factored(pattern, flags), anchor)


# ------------------------------------------------------------------ quote marks
# Double marks open and close quotes; a straight mark toggles. Low-9 and guillemets appear in
# translated wire copy. Doubled single marks ('') are typewriter double quotes.
DOUBLE_OPEN: Final = "\"“„«"
DOUBLE_CLOSE: Final = "\"”»"
SINGLE_OPEN: Final = "'‘"
SINGLE_CLOSE: Final = "'’"

# ------------------------------------------------------------------ platforms
# Platform names as a post's channel. "X" is a platform only in these framings (never "X-ray",
# "Mr X", "X factor", "X Corp"): on/via/to X, X handle/account/post, X (formerly Twitter).
_X: Final = r"X(?!\s*Corp)(?![-\w])(?:\s*\((?:formerly|previously|earlier)\s+(?:known\s+as\s+)?Twitter\))?"
PLATFORM_PATTERNS: Final[tuple[tuple[str, Prefiltered], ...]] = (
    ("x", prefiltered(r"\b(?i:on|via|to|onto|in)\s+(?:(?i:the)\s+)?(?:micro-?blogging\s+(?:site|platform)\s+)?" + _X
                     + r"|\b(?:(?i:his|her|its|their|official|the)\s+)+(?:official\s+)?X\s+(?:handle|account|page|post|thread|timeline)"
                     + r"|\bX\s+(?:handle|account|post|posts|thread)\b", re.UNICODE)),
    ("x", prefiltered(r"\b(?:on|via|to)\s+(?:the\s+)?twitter\b|\btwitter\s+(?:handle|account|post|thread)|\btweet(?:s|ed|ing)?\b"
                     r"|\bre-?tweet(?:s|ed|ing)?\b"
                     # "the microblogging platform Weibo" names another platform
                     r"|\bmicro-?blogging\s+(?:site|platform)\b(?!\s+(?:weibo|threads|bluesky|koo|tumblr|truth))", IC)),
    ("truth_social", prefiltered(r"\btruth\s+social\b|\btruths?\b(?=\s+(?:post|on))", IC)),
    ("facebook", prefiltered(r"\bfacebook\b", IC)),
    ("instagram", prefiltered(r"\binstagram\b", IC)),
    ("threads", prefiltered(r"\b(?:on|via|to)\s+threads\b|\bthreads\s+(?:post|account|handle)\b", IC)),
    ("weibo", prefiltered(r"\bweibo\b", IC)),
    ("wechat", prefiltered(r"\bwechat\b", IC)),
    ("telegram", prefiltered(r"\btelegram\b", IC)),
    ("bluesky", prefiltered(r"\bbluesky\b|\bbsky\b", IC)),
    ("youtube", prefiltered(r"\byoutube\b", IC)),
    # "in a social media post", "on social media": a post, platform not named.
    ("unspecified", prefiltered(r"\bsocial[- ]media\s+(?:posts?|messages?|updates?)\b"
                               r"|\b(?:on|via)\s+(?:(?:its|his|her|their|the)\s+)?social[- ]media(?!\s+(?:platforms?|compan|firms?))\b", IC)),
)

# Whether a text can name any platform at all: most sentences name none.
ANY_PLATFORM: Final = AnyOf(*(pattern for _, pattern in PLATFORM_PATTERNS))

# Platform words that do not make a post: photo credits, share buttons, company news, streams.
PLATFORM_NOISE: Final = prefiltered(
    r"\b(?:photo|image|picture|video|credit|courtesy)s?\s*[:/(-]?\s*(?:@|via\s+)?(?:x|twitter|instagram|facebook)\b"
    r"|\bfollow\s+(?:us|him|her)\s+on\b|\bshare\s+(?:on|via)\b|\blive[- ]?stream(?:ed|ing)?\b"
    r"|\b(?:x|twitter)\s+(?:corp|inc|ltd)\b|\bformerly\s+twitter\)?\s*(?:corp|inc)|\bfollowers?\s+on\b",
    IC,
)

# ------------------------------------------------------------------ post nouns and verbs
# A post spoken of as a thing: "a post on X", "his post", "the tweet", "the caption".
# "post of <office>", "border post", "check post", "post-poll" are other senses of the word.
POST_NOUN: Final = prefiltered(
    r"\b(?:post|posts|tweet|tweets|message|messages|caption|reply|thread|repost|retweet|update)\b"
    r"(?!\s+of\b)(?!-)",
    IC,
)
OTHER_POST_SENSE: Final = prefiltered(
    r"\b(?:border|check|police|army|outpost|trading|polling|forward)\s+posts?\b|\bpost[- ](?:poll|seizure|war|covid|independence)\b"
    r"|\bpost\s+of\b|\bposted\s+(?:to|at|as|in|with)\s+(?!x\b|twitter\b|facebook\b|instagram\b)",
    IC,
)
# Speech verbs: the head of an attribution frame ("the MEA posted", "he mentioned", "said Modi").
SPEECH_VERBS: Final = prefiltered(
    r"\b(?:said|says|say|posted|posts|wrote|writes|tweeted|tweets|stated|states|added|adds|adding|"
    r"mentioned|noted|notes|shared|shares|stressed|remarked|asserted|announced|declared|observed|"
    r"highlighted|emphasi[sz]ed|underlined|reiterated|responded|replied|commented|captioned|urged|"
    r"explained|recalled|continued|thanked|quipped|claimed|alleged|acknowledged|lauded|hailed|"
    r"welcomed|described|told|reads|read|saying|writing|affirmed|appealed|pointed\s+out|"
    r"quote-?posted|quote-?tweeted|retweeted|reposted|expressed|conveyed|congratulated|greeted|took\s+to)\b",
    IC,
)

# Any word that can make a quote-less sentence cite, share or answer a post. A sentence with
# none of them is read only for the accounts and dates it names (most sentences of an article).
TRIGGER: Final = prefiltered(
    r"\bX\b|(?i:\b(?:post|posts|posted|posting|tweet\w*|retweet\w*|repost\w*|twitter|facebook|instagram|"
    r"threads|telegram|weibo|wechat|truth\s+social|bluesky|youtube|social\s+media|message|messages|"
    r"caption\w*|shared|sharing|reply|replied|replying|respond\w*|response|reacting|hit\s+back|"
    r"handle|account|pictures?|photos?|video|thread|series|took\s+to|quote-?\w+)\b)"
)

# ------------------------------------------------------------------ not posts
# Quotes from these channels are not posts even when the speaker is a known account, and a
# continuation ("it added") after them stays outside any post.
NON_POST: Final = prefiltered(
    r"\b(?:(?:in|through|via)\s+(?:a|an|the|its|his|her|their)\s+(?:\w+\s+){0,2}"
    r"(?:statement|release|press\s+release|communiqu[eé]|letter|interview|speech|address|briefing|"
    r"readout|notification|advisory|order|judgment|verdict|ruling|report|editorial|op-ed|article|note\s+verbale|affidavit)"
    r"|\bjoint\s+statement|\bpress\s+(?:release|conference|briefing|meet|note)|\bmedia\s+briefing|\bweekly\s+briefing"
    r"|\btold\s+(?:reporters|journalists|the\s+media|media|the\s+press|a\s+news|news|pti|ians|ani|reuters|the\s+house|parliament|\w+\s+reporters)"
    # "told the Indianapolis Star", "told Recode editor Kara Swisher": speech to a named outlet or person
    r"|\btold\s+(?:the\s+)?(?-i:[A-Z])\w+"
    r"|\b(?:speaking|talking)\s+(?:to|with)\s+(?:reporters|journalists|the\s+media|media|the\s+press)"
    r"|\b(?:at|during|after|on\s+the\s+sidelines\s+of)\s+(?:a|an|the)\s+(?:\w+\s+){0,3}(?:event|meeting|rally|reception|ceremony|summit|conference|briefing|session|hearing|launch|function|dinner|gathering|programme|program)"
    r"|\baddressing\b|\bin\s+his\s+remarks|\bin\s+her\s+remarks|\bin\s+remarks|\bremarks\s+(?:at|to)\b"
    r"|\bthe\s+(?:statement|release|letter|order|judgment|report|readout|advisory|communiqu[eé])\s+(?:said|added|read|reads|noted|stated)"
    r"|\baccording\s+to\s+(?:a|an|the)\s+(?:\w+\s+){0,3}(?:statement|release|officials?|sources?|report|order)"
    r"|\bsaid\s+in\s+(?:court|parliament|the\s+lok\s+sabha|the\s+rajya\s+sabha|the\s+house)"
    r"|\bin\s+(?:court|a\s+court\s+filing|his\s+petition|her\s+petition))",
    IC,
)

# ------------------------------------------------------------------ post boundaries
# A new post only where the text says so: "in another post", "in a second post", "a subsequent
# tweet", "in a separate post", "a follow-up post", "the third post".
NEW_POST: Final = prefiltered(
    r"\b(?:another|a\s+second|a\s+third|a\s+fourth|a\s+subsequent|a\s+separate|a\s+follow-?up|a\s+later|"
    r"a\s+new|the\s+second|the\s+third|the\s+fourth|the\s+next|the\s+last|the\s+final|a\s+further)\s+"
    r"(?:\w+\s+){0,2}(?:post|tweet|message|update)s?\b",
    IC,
)
ORDINALS: Final = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "next": 0, "subsequent": 0,
                   "another": 0, "separate": 0, "later": 0, "new": 0, "further": 0, "follow-up": 0,
                   "followup": 0, "final": -1, "last": -1}
ORDINAL_POST: Final = prefiltered(
    r"\b(?P<ord>first|second|third|fourth|fifth|next|subsequent|another|separate|later|new|further|follow-?up|final|last)\s+"
    r"(?:\w+\s+){0,1}(?:post|tweet|message|update)s?\b",
    IC,
)
# "In a series of posts", "in a thread": several posts follow, each its own entry.
SERIES: Final = prefiltered(r"\b(?:a\s+)?(?:series|string|flurry|volley)\s+of\s+(?:\w+\s+)?(?:posts|tweets|messages)\b|\bin\s+a\s+thread\b", IC)
# A definite reference back to the speaker's post: "in the post", "the post further said".
SAME_POST: Final = prefiltered(
    r"\b(?:in|from)\s+(?:the|that|this|its|his|her|their|the\s+same)\s+(?:\w+\s+)?(?:post|tweet|message|caption)\b"
    r"|\bthe\s+(?:post|tweet|message|caption)\s+(?:further\s+|also\s+)?(?:said|says|read|reads|added|noted|stated|went\s+on)",
    IC,
)
# A rendition of the post just quoted in another language: '"..." Roughly translated, it reads:
# "..."', '"...", which translates to "..."', 'In English, the post read: "..."'. The quote
# is more text of that post, never a new post.
TRANSLATION: Final = prefiltered(
    r"\b(?:translat(?:es|ed|ing|ion)\s+(?:to|as|into|in|from|reads?)|(?:roughly|loosely|literally|rough(?:ly)?)\s+translated"
    r"|in\s+(?:an?\s+)?(?:english\s+)?translation|translated\s+(?:into\s+)?english|in\s+english|which\s+means)\b",
    IC,
)
# A post speaking of another post (relation "mention"): "referring to the embassy's post",
# "cited the MEA's tweet", "linked to Shah's message". The possessive post phrase follows within
# a few words; answering ("in response to") is RESPONSE, sharing is REPOST.
MENTION_POST: Final = prefiltered(
    r"\b(?:referr(?:ed|ing)\s+to|refers\s+to|in\s+(?:a\s+)?reference\s+to|with\s+reference\s+to|cit(?:ed|ing|es)|"
    r"point(?:ed|ing|s)?\s+to|mention(?:ed|ing|s)|allud(?:ed|ing|es)\s+to|link(?:ed|ing|s)?\s+to|"
    r"dr(?:ew|awing|aws)\s+attention\s+to|highlight(?:ed|ing|s)|flagg(?:ed|ing)|tagg(?:ed|ing))\s+"
    r"(?=(?:[\w.'’-]+\s+){0,6}?(?:[\w.-]+['’]s?\s+)(?:(?:earlier|original|initial|latest|previous|first|own)\s+)?"
    r"(?:post|tweet|message|update)s?\b)",
    IC,
)
# A post cited without quotes: the platform must be the channel of a verb of posting ("said in a
# post on X that", "took to X", "shared pictures ... on its official X handle", "tweeted"), not
# a topic ("misuse of social media platforms") or a description ("most followed ... on X").
_CHANNEL: Final = r"(?:X\b|(?i:twitter|facebook|instagram|threads|telegram|weibo|wechat|truth\s+social|bluesky|youtube|social\s+media)\b)"
PARAPHRASE_POST: Final = prefiltered(
    r"\b(?i:in|through|via|with)\s+(?i:a|an|his|her|its|their)\s+(?:[\w-]+\s+){0,3}(?i:post|tweet|message|update|reply|thread)s?\b"
    r"|\b(?i:took\s+to)\s+(?:(?i:his|her|its|their)\s+)?" + _CHANNEL
    + r"|\b(?i:posted|posting|tweeted|wrote|writing|shared|sharing|announced|said|saying|stated|uploaded|put\s+out|reposted|retweeted|released)\b"
    r"(?:\s+[\w'’-]+,?){0,12}?\s+(?i:on|via|to)\s+(?:(?i:his|her|its|their|the|an?|official|verified|own|platform|channel|account|handle|page|microblogging|micro-blogging|social|media|networking|site|messaging|app)\s+)*" + _CHANNEL
    + r"|\b(?i:posted|shared|uploaded|put\s+out)\s+(?i:a|an|some|his|her|its|their|the)?\s*(?:[\w-]+\s+){0,2}(?i:pictures?|photos?|photographs?|videos?|clips?|images?|greetings?|messages?|note)\b"
    + r"|\b(?i:tweeted|retweeted|reposted|quote-?posted|quote-?tweeted)\b"
    r"|\b(?i:in\s+a\s+series\s+of\s+(?:\w+\s+)?(?:posts|tweets|messages))\b"
)
# A sentence that places its subject's words on a platform without quoting them: "Trump lashed
# out at India on Truth Social.", "Modi weighed in on X on Monday." The speaker's next quote, in the
# same or the next paragraph, is then taken from that post.
ON_PLATFORM: Final = prefiltered(r"\b(?i:on|via)\s+(?:(?i:his|her|its|their|the|an?|official|verified|own)\s+)*" + _CHANNEL)
# The author of a post named in the passive: "The post, shared by the Indian Embassy in Washington,".
BY_AGENT: Final = prefiltered(
    r"\b(?:posted|shared|tweeted|written|put\s+out|uploaded|published)\s+(?:on\s+\w+(?:\s+\w+)?\s+)?by\s+"
    r"(?P<owner>(?:the\s+)?[A-Z@][\w.'’@-]*(?:\s+(?:[A-Z@][\w.'’@-]*|of|in|for|and|the)){0,7})",
)
# The account a post went out on, named after the platform: "shared on the Twitter handle of the
# Senate, @NGRSenate", "posted on the official X account of the ministry". That account posted it,
# whatever the sentence's subject ("The details of the session were shared on ...").
ACCOUNT_OF: Final = prefiltered(
    r"\b(?i:on|via|through)\s+(?i:the|its|his|her|their)\s+(?:(?i:official|verified)\s+)?" + _CHANNEL
    + r"\s+(?i:handle|account|page|channel)\s+(?i:of)\s+"
    r"(?P<owner>(?:(?i:the)\s+)?[A-Z@][\w.'’@-]*(?:\s+(?:[A-Z@][\w.'’@-]*|of|in|for|and|the)){0,7})(?:\s*,\s*(?P<handle>@\w+))?"
)
# A post cue right after a quote whose speaker comes before it: 'Jaishankar had described the
# meeting as "useful" in a post on X last month.'
TRAILING_POST: Final = prefiltered(
    r"^[\s,]*(?i:in|on|via|through)\s+(?:(?i:a|an|his|her|its|their|the)\s+)?(?:[\w-]+\s+){0,2}(?i:post|tweet|message|reply)s?\b"
    r"|^[\s,]*(?i:on|via)\s+(?:(?i:his|her|its|their|the|official)\s+)*" + _CHANNEL
)
# ... or a clause closing the sentence: 'Modi said he was "deeply pained" by the loss, in a post on X.'
TRAILING_POST_CLAUSE: Final = prefiltered(
    r",\s*(?i:in|on|via|through)\s+(?:(?i:a|an|his|her|its|their)\s+)?(?:[\w-]+\s+){0,2}(?i:post|tweet|message)s?\b"
    r"(?:\s+(?i:on|to)\s+\S+(?:\s+\S+)?)?[\s.!?]*$"
)
# A post named through its author: "Amit Shah's post on X", "the minister's message".
_POSSESSIVE_TAIL: Final = (r"['’]s?\s+(?:(?:earlier|original|initial|latest|first|second|own)\s+)?"
                           r"(?P<noun>post|tweet|message|announcement|update|greeting)s?\b")
# The owner holds no apostrophe, so a match is found from its "'s post" (see Prefiltered._anchored):
# trying the owner's alternatives at every capital of the sentence cost 11 µs a sentence.
POSSESSIVE_POST: Final = prefiltered(
    r"(?P<owner>(?:[A-Z][\w.-]*\s+(?:(?:in|of|for)\s+(?:the\s+)?)?){0,5}[A-Z][\w.-]*|the\s+(?:[a-z]+\s+){0,3}[a-z]+|(?:his|her|its|their))"
    + _POSSESSIVE_TAIL,
    re.UNICODE,
    anchor=("['’]", _POSSESSIVE_TAIL),
)

# ------------------------------------------------------------------ relations
# How one post answers another. "response"/"reply" score as one type; a post answering a call,
# a speech or remarks is no post relation, so these need a post target in the text.
RESPONSE: Final = prefiltered(
    r"\b(?:in\s+response\s+to|came\s+in\s+response\s+to|responding\s+to|in\s+reply\s+to|replying\s+to|reacting\s+to|"
    r"in\s+reaction\s+to|hit\s+back\s+at|hitting\s+back\s+at|responded\s+to|replied\s+to|reacted\s+to|"
    r"in\s+a\s+reply|thanked\s+(?P<thanked>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3})\s+in\s+a\s+reply)",
    IC,
)
# "that evening", "later that day": the day the sentence names elsewhere.
THAT_DAY: Final = prefiltered(r"\b(?:later\s+)?that\s+(?:evening|night|day|morning|afternoon)\b", IC)
# "replied on X", "responded a day later": an answer whose target is the post just cited.
BARE_REPLY: Final = prefiltered(r"\b(?:replied|responded|reacted|hit\s+back)\b(?!\s+(?:to|that)\b)", IC)
REPLY_WORDS: Final = prefiltered(r"\brepl(?:y|ied|ying)\b", IC)
REPOST: Final = prefiltered(r"\b(?:re-?posted|re-?tweeted|re-?shared|shared|amplified)\b", IC)
QUOTE_POST: Final = prefiltered(
    r"\bquote-?(?:posted|tweeted|shared)\b|\b(?:with|adding)\s+(?:a|an|the|his|her|its|their)\s+(?:own\s+)?(?:note|comment|message|caption)"
    r"|\badded\s+(?:a|an)\s+(?:\w+\s+)?(?:message|comment|note)\s+of\s+(?:his|her|its|their)\s+own|\b(?:shared|retweeted|reposted)\b[^.]*?,\s*adding\b",
    IC,
)
# Words that move the time on: a speaker's next quote so marked is another post, not more of the last.
TIME_SHIFT: Final = prefiltered(
    r"\b(?:(?:\w+\s+)?(?:hours?|days?|weeks?|minutes?)\s+later|later\s+(?:that|the\s+same|in\s+the)\s+\w+"
    r"|the\s+(?:next|following)\s+(?:day|morning|evening|week)|a\s+day\s+(?:later|after)|the\s+day\s+after)\b",
    IC,
)
BOTH: Final = prefiltered(r"\b(?:both|the\s+two)\s+(?:posts|messages|tweets)\b", IC)

# ------------------------------------------------------------------ speakers
PRONOUNS: Final = {"he": "he", "she": "she", "it": "it", "they": "they", "him": "he", "her": "she"}
# Words inside a name that mark an organisation rather than a person.
ORG_WORDS: Final = prefiltered(
    r"\b(?:ministry|embassy|consulate|commission|office|department|bureau|agency|government|house|"
    r"council|party|committee|mission|board|authority|police|army|navy|force|forces|secretariat|"
    r"cell|unit|directorate|corporation|bank|court|parliament|union|federation|association|league|"
    r"account|handle|team|administration|cabinet|state|institute|university|post|tweet|message)\b",
    IC,
)
# Titles that mark a person even when the name is unknown.
PERSON_WORDS: Final = prefiltered(
    r"\b(?:minister|president|ambassador|envoy|spokesperson|spokesman|spokeswoman|secretary|chief|"
    r"leader|governor|senator|mp|mla|premier|chancellor|king|queen|prince|director|commissioner|"
    r"high\s+commissioner|consul|mayor|general|admiral|officer|official|journalist|actor|cm|pm|eam)\b",
    IC,
)
# Words a subject phrase sheds before resolution: auxiliaries and adverbs between subject and verb.
SUBJECT_TRAILERS: Final = prefiltered(
    r"(?:\s+(?:had|has|have|also|later|then|further|too|again|once|earlier|recently|separately|"
    r"subsequently|promptly|quickly|soon|immediately|itself|himself|herself|swiftly|was|is|were|"
    r"on\s+\w+day|on\s+\w+day\s+(?:night|morning|evening)|yesterday|today|"
    r"last\s+\w+|this\s+\w+|in\s+a\s+reply|in\s+reply))+$",
    IC,
)
# Where a subject phrase ends: an auxiliary, an adverb or a time phrase before the verb
# ("The NCB had a day earlier posted", "Trump had on Monday night posted").
SUBJECT_END: Final = prefiltered(
    r"\s(?:had|has|have|was|were|is|are|would|will|also|then|later|earlier|again|itself|himself|herself|"
    r"promptly|quickly|swiftly|soon|immediately|separately|subsequently|recently|too|"
    r"on\s+\w+day|last\s+\w+|this\s+\w+|a\s+day|the\s+day|hours|minutes|moments|shortly|in\s+a\s+reply|in\s+reply)\b",
    IC,
)
# Countries and capitals as a lead's subject ("China on Thursday said"), to their government code.
COUNTRIES: Final = {
    "india": "IN", "new delhi": "IN", "the us": "US", "us": "US", "the united states": "US", "united states": "US",
    "america": "US", "washington": "US", "china": "CN", "beijing": "CN", "canada": "CA", "ottawa": "CA",
    "the uk": "GB", "uk": "GB", "britain": "GB", "the united kingdom": "GB", "london": "GB", "pakistan": "PK",
    "islamabad": "PK", "russia": "RU", "moscow": "RU", "ukraine": "UA", "kyiv": "UA", "australia": "AU",
    "canberra": "AU", "japan": "JP", "tokyo": "JP", "bangladesh": "BD", "dhaka": "BD", "israel": "IL",
    "iran": "IR", "tehran": "IR", "the eu": "EU", "the european union": "EU", "nepal": "NP", "sri lanka": "LK",
    "france": "FR", "germany": "DE", "italy": "IT", "new zealand": "NZ", "the philippines": "PH",
}
# A lead whose subject is many countries dates every post that reports its news.
MANY_COUNTRIES: Final = factored(r"^(?:several|many|multiple|a\s+number\s+of|world|foreign)\s+(?:\w+\s+)?(?:countries|nations|governments|leaders)", IC)
# Header and dateline at the start of wire copy: " date 2026-01-22 Washington, Jan 22 (IANS)".
# Besides the Indian agencies' "New Delhi, March 3 (IANS)", the dateline of Reuters and AP style:
# "WASHINGTON (Reuters) -", "NEW DELHI, March 3 (Reuters) -", "LONDON —" (a city in capitals).
LEAD_PREFIX: Final = factored(
    r"^\s*(?:date\s+\d{4}-\d{2}-\d{2}\s+)?"
    r"(?:[A-Z][\w .'’-]{1,40},\s+[A-Z][a-z]+\.?\s+\d{1,2}(?:,\s+\d{4})?\s*\([A-Za-z]+\)\s*(?:[-—–]\s+)?"
    r"|[A-Z][A-Z .'’-]{1,40}(?:,\s+[A-Z][a-z]+\.?\s+\d{1,2}(?:,\s+\d{4})?)?\s*(?:\([A-Za-z][\w&. -]{0,20}\)\s*)?[-—–]\s+)?"
)
# Leading phrases of a clause that are not its subject.
LEADING_ADVERBIAL: Final = FirstWord(
    r"^(?:in|on|at|after|before|earlier|later|last|this|replying|responding|reacting|meanwhile|summing|"
    r"separately|however|also|soon|shortly|hours|minutes|days|a\s+day|the\s+day|within|during|"
    r"following|according|while|when|and|but|then|addressing|speaking|in\s+a)\b",
    IC,
)
DETERMINER: Final = prefiltered(r"^(?:the|a|an|its|his|her|their|our)\s+", IC)
HANDLE: Final = prefiltered(r"(?<![\w@])@(?P<handle>[A-Za-z0-9_]{2,30})\b")
# An embedded post rendered as text: "— Name (@handle) Month D, YYYY".
EMBED_SIGNATURE: Final = factored(
    r"^[\s]*[—–-]{1,2}\s*(?P<name>[^\n(]{1,80}?)\s*\(@(?P<handle>[A-Za-z0-9_]{1,30})\)\s*"
    r"(?P<date>[A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4})?",
    re.MULTILINE,
)
# "A post shared by Name (@handle) on Month D, YYYY" (Instagram's text rendering).
SHARED_BY: Final = prefiltered(
    r"A\s+post\s+shared\s+by\s+(?P<name>[^\n(]{1,80}?)\s*\(@(?P<handle>[A-Za-z0-9_.]{1,30})\)"
    r"(?:\s+on\s+(?P<date>[A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4}))?",
)
# "X-led government": a name used as a descriptor, not a mention of the account.
DESCRIPTOR_AFTER: Final = factored(r"^(?:\s+(?:ji|jee))?\s*-?\s*led\b", IC)
# "... posted on X." ends a sentence although "X." looks like an initial.
PLATFORM_AT_END: Final = factored(r"\b(?:on|to|via|onto)\s+X[.!?]$")
# A capitalised name phrase after a verb or cue: "said Jaishankar", "replying to the US Embassy in India".
NAME_PHRASE: Final = factored(
    r"\s*((?:the\s+)?(?:[A-Z@][\w.'’@-]*|of|in|for|and|the)(?:\s+(?:[A-Z@][\w.'’@-]*|of|in|for|and|the)){0,7})"
)
# "the minister", "the home minister": a lower-case noun phrase, stopping before a preposition.
LOWER_NOUN_PHRASE: Final = factored(r"\s*(the(?:\s+(?!(?:on|in|at|after|from|to|with|that|who|and|as)\b)[a-z]+){1,3})")
# Post channels that need no platform name: "in a reply", "the post read", "captioned".
POST_CHANNEL: Final = prefiltered(
    r"\b(?:captioned|the\s+caption|tweeted|quote-?posted|reposted|retweeted)\b"
    r"|\b(?:in|with)\s+(?:a|an|his|her|its|their)\s+(?:\w+\s+)?(?:post|tweet|reply)\b"
    r"|\bthe\s+(?:\w+\s+)?(?:post|tweet|caption)\s+(?:said|says|read|reads|added)\b",
    IC,
)
# "The Embassy's statement came in response to ...": the answering side named by a possessive.
ANSWERING_OWNER: Final = factored(
    r"\s*(?P<np>.{1,80}?)['’]s?\s+(?:\w+\s+){0,2}(?:statement|post|tweet|message|reply|response|remarks?)\b"
)
# A speaker phrase that is a post itself: "the first post said", "the post on X said".
# "Modi's post on X read:", "the embassy's tweet said": the post speaks for its owner.
OWNED_POST: Final = prefiltered(
    r"^(?P<owner>.*?\w)['’]s?\s+(?:(?:earlier|original|initial|latest|first|new|own|official)\s+)?"
    r"(?:(?:x|twitter|facebook|instagram|threads|telegram|weibo|truth\s+social|bluesky|social\s+media)\s+)?"
    r"(?:post|tweet|message|caption|update)s?(?:\s+on\s+\w+(?:\s+\w+)?)?$",
    IC,
)
# "The statement was also posted on X", "the video was shared": a document stands for whoever
# issued it, the account last spoken of.
DOCUMENT_AS_SPEAKER: Final = prefiltered(
    r"^(?:the|this|that|its|his|her|their)\s+(?:\w+\s+)?(?:statement|remarks|letter|video|clip|speech|address|"
    r"photos?|pictures?|images?|note|announcement|message)$",
    IC,
)
POST_AS_SPEAKER: Final = prefiltered(
    r"^(?:the\s+|its\s+|his\s+|her\s+)?(?:first|second|third|fourth|next|last|final|same|original)?\s*"
    r"(?:post|tweet|message|caption|update|photo|video|picture|image|clip)s?(?:\s+on\s+\w+(?:\s+\w+)?)?$",
    IC,
)
# A relative clause inside a sentence; its subject is not the sentence's speaker.
RELATIVE_CLAUSE: Final = prefiltered(r"^(?:where|who|whom|whose|which)\b", IC)
# The antecedent of "who" right before the verb: "... and Donald Trump Jr who wrote on X".
WHO_ANTECEDENT: Final = prefiltered(
    r"(?P<np>(?:the\s+)?(?:[A-Z][\w.'’-]*\s+)*[A-Z][\w.'’-]*)\s*,?\s+who\s+(?:had\s+|has\s+|also\s+|then\s+|later\s+)*$"
)
# Words that open a relative or subordinate clause before its subject: "where the high commission added".
RELATIVE_LEAD: Final = prefiltered(r"^(?:where|when|while|as|and|but|which|after\s+which|whereupon)\s+", IC)
# Abbreviations that end in a full stop without ending a sentence.
ABBREVIATIONS: Final = frozenset(
    ["mr", "mrs", "ms", "dr", "st", "jr", "sr", "no", "nos", "vs", "v", "gen", "lt", "col", "capt", "maj", "sgt", "prof", "rev", "hon", "sh", "smt", "sen", "rep", "gov", "amb", "adm", "pres", "cmdr", "supt", "u.s", "u.k", "u.n", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc", "ltd", "co", "corp", "dept", "govt", "approx", "fig", "est", "e.g", "i.e", "etc"]
)
# The full stops of abbreviations and initials ("U.S.", "Sen.", "Dr. S. Jaishankar"), which do not
# end a clause: a speaker phrase may hold them.
ABBREVIATED: Final = factored(
    r"(?<![\w.])(?:[A-Za-z]\.){1,4}|(?<![\w.])(?:"
    + "|".join(sorted((a for a in ABBREVIATIONS if "." not in a and len(a) > 1), key=len, reverse=True))
    + r")\.",
    IC,
)
