"""Extraction: every reference to a social-media post in an article's text.

The text is cut into paragraphs, quotes (across paragraphs when the opening mark repeats)
and quote-aware sentences. Each quote is read with its *frame*, the words of its sentence
outside the marks: the frame says who spoke (a name, title, noun or pronoun, resolved against
the registry and the entities already named), through which channel (a post on a platform, a
statement, a briefing, or a plain speech verb that inherits the speaker's last channel), and
whether the text starts a new post ("in another post") or continues one ("he added"). Sentences
without quotes can still cite a post ("said in a post on X that ..."), repost one or answer one.
Embedded posts, whether rendered as text ("— Name (@handle) date") or found in the page's HTML,
become posts too, and one post rendered twice is one post.

Every post, relation and mention keeps its character span in ``Article.text``.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import pairwise
from typing import Any, Final, TypeVar

from tracker import patterns as P
from tracker.dates import ANY_DATE, article_date, find_date, find_possible_date, forget_dates, month_of
from tracker.models import Article, EmbeddedPost, Extraction, Mention, PostRef, Relation, Span
from tracker.registry import Registry, forget_names, load_registry, normalise_name, normalised_prefixes

T = TypeVar("T")
# How many paragraphs back a speaker's post or date still counts as the current context.
CONTEXT_PARAGRAPHS: Final = 3
# Single-quoted passages shorter than this are labels ('Mr X'), not quoted posts.
MIN_SINGLE_QUOTE_WORDS: Final = 3
# How far back a name, title or pronoun looks for what it refers to. Reference in news prose is
# local; the bound also keeps extraction linear in the length of the article.
LOOKBACK_ENTITIES: Final = 300
LOOKBACK_POSTS: Final = 40


def _recent(items: list[T], size: int) -> Iterator[T]:
    return reversed(items[-size:])


# ================================================================== document structure

# The working classes below write their __init__ out rather than being dataclasses: mypyc compiles
# an explicit __init__ into the native constructor, where a dataclass keeps the interpreted
# __init__ that the dataclasses module generates (run for every sentence, quote and entity).


class Quote:
    start: int
    end: int  # content span, without the marks
    para: int
    closed: bool

    def __init__(self, start: int, end: int, para: int, closed: bool = True) -> None:
        self.start = start
        self.end = end
        self.para = para
        self.closed = closed


class Sentence:
    start: int
    end: int
    para: int
    quotes: list[Quote]

    def __init__(self, start: int, end: int, para: int, quotes: list[Quote] | None = None) -> None:
        self.start = start
        self.end = end
        self.para = para
        self.quotes = quotes if quotes is not None else []


def paragraphs(text: str) -> list[Span]:
    """The lines that hold more than whitespace, as (start, end). A line is copied out only to
    test it when it opens with whitespace (most open with a letter or a mark)."""
    out: list[Span] = []
    start = 0
    size = len(text)
    while start <= size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        if end > start and (not text[start].isspace() or not text[start:end].isspace()):
            out.append((start, end))
        start = end + 1
    return out


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _offsets(text: str, chars: str, start: int = 0, end: int | None = None) -> list[int]:
    """Where any of ``chars`` stands in ``text[start:end]``, in order. One str.find per character
    and occurrence: a character class makes the engine test every character of the text against
    the class (the curly marks are outside Latin-1, which costs most), where find skips to the
    next occurrence at memory speed."""
    stop = len(text) if end is None else end
    found: list[int] = []
    for char in chars:
        at = text.find(char, start, stop)
        while at >= 0:
            found.append(at)
            at = text.find(char, at + 1, stop)
    found.sort()
    return found


def _double_marks(text: str) -> list[tuple[int, str]]:
    """(offset, mark) of every double mark and every '' (typewriter double quotes), read left to
    right: a '' is one mark, and a third ' after it starts nothing."""
    marks = [(at, text[at]) for at in _offsets(text, _DOUBLE_MARKS)]
    at = text.find("''")
    if at < 0:
        return marks
    doubled = []
    while at >= 0:
        doubled.append((at, "''"))
        at = text.find("''", at + 2)
    return sorted(marks + doubled)


_DOUBLE_MARKS: Final = "".join(dict.fromkeys(P.DOUBLE_OPEN + P.DOUBLE_CLOSE))


def find_quotes(text: str, paras: list[Span]) -> list[Quote]:
    """Double-quoted passages per paragraph, then single-quoted ones outside them.

    Marks are found in one scan of the whole text: no mark is a line break, so each lies in
    the paragraph of its line (a line of whitespace holds none)."""
    quotes: list[Quote] = []
    starts = [start for start, _ in paras]
    index = -1
    start = end = 0
    open_at: int | None = None
    for i, ch in _double_marks(text):
        if i >= end:  # the first mark of another paragraph: close the one before
            if open_at is not None and end - open_at > 1:
                quotes.append(Quote(open_at, end, index, closed=False))
            index = bisect_right(starts, i) - 1
            start, end = paras[index]
            open_at = None
        if open_at is None:
            if ch in "”»" and i > start and _is_word(text[i - 1]):
                continue  # a stray closing mark
            open_at = i + len(ch)
        elif ch not in "“„«":
            if i > open_at:
                quotes.append(Quote(open_at, i, index))
            open_at = None
    if open_at is not None and end - open_at > 1:
        quotes.append(Quote(open_at, end, index, closed=False))
    quotes.extend(_single_quotes(text, paras, quotes))
    quotes.sort(key=lambda q: q.start)
    return quotes


# The mark first, then what stands before it: tried where str.find finds an opening mark.
_SINGLE_QUOTE: Final = P.factored(r"['‘](?<![\w'’].)(?=[A-Z0-9#@])([^\n]+?)['’](?![\w])")
_SINGLE_OPENS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#@")  # what may follow the mark


def _matches_at(pattern: re.Pattern[str], text: str, offsets: list[int], end: int) -> list[re.Match[str]]:
    """``pattern.finditer(text, offsets[0], end)`` for a pattern that can only match at one of
    ``offsets`` (ascending): it is tried there alone, each match after the last one's end."""
    found: list[re.Match[str]] = []
    after = 0
    for at in offsets:
        if at >= after:
            match = pattern.match(text, at, end)
            if match is not None:
                found.append(match)
                after = match.end()
    return found


def _single_quote_matches(text: str) -> list[re.Match[str]]:
    """``_SINGLE_QUOTE.finditer(text)``, tried only at the opening marks (most are apostrophes
    of words, refused by the character after them)."""
    last = len(text) - 1
    opening = [at for at in _offsets(text, "'‘") if at < last and text[at + 1] in _SINGLE_OPENS]
    return _matches_at(_SINGLE_QUOTE, text, opening, len(text))


def _single_quotes(text: str, paras: list[Span], doubles: list[Quote]) -> list[Quote]:
    """Single-quoted passages outside double quotes, from one scan of the whole text (a match
    never crosses a line, so it lies in the paragraph of its line)."""
    inside: dict[int, list[Span]] = {}
    for q in doubles:
        inside.setdefault(q.para, []).append((q.start, q.end))
    starts = [start for start, _ in paras]
    cursors: dict[int, int] = {}
    found = []
    for match in _single_quote_matches(text):
        s, e = match.start(1), match.end(1)
        index = bisect_right(starts, s) - 1
        spans = inside.get(index, [])
        cursor = cursors.get(index, 0)
        while cursor < len(spans) and spans[cursor][1] <= s:
            cursor += 1
        cursors[index] = cursor
        if cursor < len(spans) and spans[cursor][0] <= s:
            continue
        if len(match.group(1).split()) >= MIN_SINGLE_QUOTE_WORDS:
            found.append(Quote(s, e, index))
    return found


# The word before a sentence end: an abbreviation or an initial does not end the sentence.
_LAST_WORD: Final = P.factored(r"[.!?]([\w.]+)")  # reversed text: the end mark, then the word before it
_SENTENCE_END: Final = P.factored(r"[.!?][\"”’')]*(?=\s+[\"“‘'(]?[A-Z0-9@#])")


_END_CLOSERS: Final = "\"”’')"


def _sentence_ends(text: str, start: int, end: int) -> list[re.Match[str]]:
    """``_SENTENCE_END.finditer(text, start, end)``, tried only where an end mark stands and a
    closing mark or a space follows it (most other marks are in "U.S." or "3.5")."""
    last = end - 1
    marks = [at for at in _offsets(text, ".!?", start, end)
             if at < last and (text[at + 1] in _END_CLOSERS or text[at + 1].isspace())]
    return _matches_at(_SENTENCE_END, text, marks, end)


def sentences(text: str, paras: list[Span], quotes: list[Quote]) -> list[Sentence]:
    """Quote-aware sentences: a sentence never ends inside a quote.

    Quotes and split points are both in text order, so one moving pointer over the quotes
    keeps this linear in the paragraph's length.
    """
    out: list[Sentence] = []
    by_para: dict[int, list[Quote]] = {}
    for quote in quotes:
        by_para.setdefault(quote.para, []).append(quote)
    for index, (start, end) in enumerate(paras):
        para_quotes = by_para.get(index, [])
        first_out = len(out)
        cut = start
        q = 0
        for match in _sentence_ends(text, start, end):
            pos = match.end()
            while q < len(para_quotes) and para_quotes[q].end < pos - 1:
                q += 1
            if q < len(para_quotes) and para_quotes[q].start < pos <= para_quotes[q].end:
                continue  # inside a quote
            if text[pos - 1] in P.DOUBLE_CLOSE and _short_attribution(text[pos:min(end, pos + 120)]) and not (
                    q < len(para_quotes) and para_quotes[q].end == pos - 1
                    and _last_visible(text, para_quotes[q].start - 1) in (":", ",")):
                # '"... friend!" Trump wrote.': the words after the mark attribute the quote, unless
                # the quote was introduced already ('Jaishankar posted on X: "..." Rubio reposted it.')
                continue
            # read backwards: the engine would try every start of the window in turn
            mark = match.start()
            word = _LAST_WORD.match(text[max(cut, mark - 40):mark + 1][::-1])
            last = word.group(1) if word else ""
            if last and (last[::-1].lower().rstrip(".") in P.ABBREVIATIONS or len(last) == 1) \
                    and not P.PLATFORM_AT_END.search(text[max(cut, mark - 10):mark + 1]):
                continue
            out.append(Sentence(cut, pos, index))
            cut = pos
            while cut < end and text[cut].isspace():
                cut += 1
        if cut < end:
            out.append(Sentence(cut, end, index))
        q = 0
        for sentence in out[first_out:]:
            while q < len(para_quotes) and para_quotes[q].start < sentence.start:
                q += 1
            k = q
            while k < len(para_quotes) and para_quotes[k].start < sentence.end:
                sentence.quotes.append(para_quotes[k])
                k += 1
    return out


_CLAUSE_TO_END: Final = P.factored(r"[^.!?\"“”]{0,90}[.!?]")


def _short_attribution(rest: str) -> bool:
    """'"... friend!" Trump wrote.': the words after a closing mark attribute the quote."""
    clause = _CLAUSE_TO_END.match(rest)
    if clause is None:
        return False  # a quote or no sentence end follows: a new sentence starts here
    words = clause.group().split()
    return 0 < len(words) <= 10 and bool(P.SPEECH_VERBS.search(clause.group()))


# ================================================================== discourse


class Entity:
    name: str
    actor: str | None
    person: bool | None
    pronoun: str | None
    nouns: frozenset[str]
    para: int
    position: int
    date: str | None
    date_para: int

    def __init__(
        self,
        name: str,
        actor: str | None,
        person: bool | None,
        pronoun: str | None,
        nouns: frozenset[str],
        para: int,
        position: int,
        date: str | None = None,
        date_para: int = -1,
    ) -> None:
        self.name = name
        self.actor = actor
        self.person = person
        self.pronoun = pronoun
        self.nouns = nouns
        self.para = para
        self.position = position
        self.date = date
        self.date_para = date_para


class Draft:
    """A post being assembled from the fragments and cues that cite it."""

    key: str
    actor: str | None
    actor_name: str | None
    actor_span: Span | None
    platform: str | None
    platform_inferred: bool
    sentence_span: Span
    cue: str | None
    cue_span: Span | None
    para: int
    fragments: list[Span]
    posted: str | None
    date_found: bool
    ordinal: int
    status_id: str | None
    url: str | None
    embed_kind: str | None
    embed_text: str | None
    truncated: bool
    confidence: float
    series: bool
    entity_key: str  # the resolved speaker, whatever name the text used for it
    entity_index: int  # how many entities were known when the post was first cited
    evidence: str | None  # for a post known only from the page's markup: that markup

    def __init__(
        self,
        key: str,
        actor: str | None,
        actor_name: str | None,
        actor_span: Span | None,
        platform: str | None,
        platform_inferred: bool,
        sentence_span: Span,
        cue: str | None,
        cue_span: Span | None,
        para: int,
        fragments: list[Span] | None = None,
        posted: str | None = None,
        date_found: bool = False,
        ordinal: int = 0,
        status_id: str | None = None,
        url: str | None = None,
        embed_kind: str | None = None,
        embed_text: str | None = None,
        truncated: bool = False,
        confidence: float = 0.8,
        series: bool = False,
        entity_key: str = "",
        entity_index: int = 0,
        evidence: str | None = None,
    ) -> None:
        self.key = key
        self.actor = actor
        self.actor_name = actor_name
        self.actor_span = actor_span
        self.platform = platform
        self.platform_inferred = platform_inferred
        self.sentence_span = sentence_span
        self.cue = cue
        self.cue_span = cue_span
        self.para = para
        self.fragments = fragments if fragments is not None else []
        self.posted = posted
        self.date_found = date_found
        self.ordinal = ordinal
        self.status_id = status_id
        self.url = url
        self.embed_kind = embed_kind
        self.embed_text = embed_text
        self.truncated = truncated
        self.confidence = confidence
        self.series = series
        self.entity_key = entity_key
        self.entity_index = entity_index
        self.evidence = evidence


class Context:
    text: str
    registry: Registry
    base: dt.date | None
    entities: list[Entity]
    drafts: list[Draft]
    relations: list[Relation]
    channel: dict[str, tuple[str, int]]  # entity key -> (post|statement, para)
    # entity key -> (para, platform): the speaker spoke on a platform in a sentence without a quote
    on_platform: dict[str, tuple[int, str]]
    lead: tuple[str, str] | None  # (government or "*", date) the lead gives its story
    paras: list[Span]

    def __init__(
        self,
        text: str,
        registry: Registry,
        base: dt.date | None,
        entities: list[Entity] | None = None,
        drafts: list[Draft] | None = None,
        relations: list[Relation] | None = None,
        channel: dict[str, tuple[str, int]] | None = None,
        on_platform: dict[str, tuple[int, str]] | None = None,
        lead: tuple[str, str] | None = None,
        paras: list[Span] | None = None,
    ) -> None:
        self.text = text
        self.registry = registry
        self.base = base
        self.entities = entities if entities is not None else []
        self.drafts = drafts if drafts is not None else []
        self.relations = relations if relations is not None else []
        self.channel = channel if channel is not None else {}
        self.on_platform = on_platform if on_platform is not None else {}
        self.lead = lead
        self.paras = paras if paras is not None else []

    def new_key(self) -> str:
        return f"p{len(self.drafts) + 1}"


def _entity_key(entity: Entity) -> str:
    return entity.actor or normalise_name(entity.name)


def _after(lead: re.Pattern[str] | P.Prefiltered, text: str) -> str:
    """``lead.sub("", text)`` for a pattern anchored at the start (``^``, never empty, no
    MULTILINE): it matches once at most, and a match and a slice cost less than sub."""
    found = lead.match(text)
    return text if found is None else text[found.end():]


_INITIAL_AT_END: Final = P.factored(r"\b(?:[A-Z]|Jr|Sr|Dr|St)\.$")


_CLEAN_NP_MEMO: Final = P.Memo[str, str](8192)


def _clean_np(np: str) -> str:
    """``_clean_np_of``, remembered (see patterns.Memo)."""
    kept = _CLEAN_NP_MEMO.kept
    return kept[np] if np in kept else _CLEAN_NP_MEMO.keep(np, _clean_np_of(np))


def _clean_np_of(np: str) -> str:
    np = np.strip(" ,;:—–-\u00a0")
    if np.endswith(".") and not _INITIAL_AT_END.search(np):
        np = np[:-1]
    np = _after(P.RELATIVE_LEAD, np)
    if not _SUBJECT_EDGES.possible(np):
        return np.strip(" ,")
    cut = P.SUBJECT_END.search(" " + np)
    if cut is not None and cut.start() > 0:
        np = np[: cut.start() - 1]
    np = P.SUBJECT_TRAILERS.sub("", np).strip(" ,")
    return np


# Whether a subject phrase can hold an auxiliary, an adverb or a time phrase to shed at all.
_SUBJECT_EDGES: Final = P.AnyOf(P.SUBJECT_END, P.SUBJECT_TRAILERS)


def _has_apostrophe(text: str) -> bool:
    """Whether an owner's "'s" can be in ``text`` at all: _OWNER and _OWNER_MODIFIER need the
    mark, and without it their lazy heads would try every length of the text first."""
    return "'" in text or "’" in text


_OWNER: Final = P.factored(r"^.*?['’]s\s+")
_OF_PHRASE: Final = P.factored(r"\s+(?:of|in|for|at|to)\s+")


_HEAD_NOUNS_MEMO: Final = P.Memo[str, frozenset[str]](4096)


def _head_nouns(name: str) -> frozenset[str]:
    """``_head_nouns_of``, remembered (see patterns.Memo)."""
    kept = _HEAD_NOUNS_MEMO.kept
    return kept[name] if name in kept else _HEAD_NOUNS_MEMO.keep(name, _head_nouns_of(name))


def _head_nouns_of(name: str) -> frozenset[str]:
    """The nouns a later phrase can use for a poster outside the registry: 'embassy' for 'the
    Embassy of Nepal in New Delhi', 'spokesperson' for 'The ministry's spokesperson X'."""
    own = _after(_OWNER, name) if _has_apostrophe(name) else name
    head = _OF_PHRASE.split(own)[0]
    found = {m.group().lower() for m in P.ORG_WORDS.every(head)}
    found |= {m.group().lower() for m in P.PERSON_WORDS.every(head)}
    return frozenset(normalise_name(w) for w in found)


_NAME_WORD: Final = P.factored(r"[\w'’.-]+")


def _ends_with_words(name: str, tail: str) -> bool:
    """``re.search(rf"\\b{re.escape(tail)}$", name)``, without compiling a pattern per name."""
    ends = [len(name)] + ([len(name) - 1] if name.endswith("\n") else [])  # "$" also before a final newline
    for end in ends:
        at = end - len(tail)
        if at >= 0 and name.startswith(tail, at):
            before = at > 0 and _is_word_char(name[at - 1])
            after = at < len(name) and _is_word_char(name[at])
            if before != after:
                return True
    return False


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_NP_IS_PERSON_MEMO: Final = P.Memo[str, bool | None](4096)


def _np_is_person(name: str) -> bool | None:
    """``_np_is_person_of``, remembered (see patterns.Memo)."""
    kept = _NP_IS_PERSON_MEMO.kept
    return kept[name] if name in kept else _NP_IS_PERSON_MEMO.keep(name, _np_is_person_of(name))


def _np_is_person_of(name: str) -> bool | None:
    # the head decides, not a possessive or parenthetical modifier: "The embassy's Minister
    # (Community Affairs) Shilpa Menon" is a person
    owner = _OWNER_MODIFIER.match(name) if _has_apostrophe(name) else None
    if owner is not None and owner.end() < len(name):
        name = name[owner.end():]
    name = _PARENTHESES.sub(" ", name) if "(" in name else name
    if P.ORG_WORDS.search(name):
        return False
    if P.PERSON_WORDS.search(name):
        return True
    words = [w for w in _NAME_WORD.findall(name) if w.lower() not in ("the",)]
    if words and all(w[0].isupper() for w in words) and len(words) <= 4:
        return True
    return None


_TRAILING_PARENS: Final = P.factored(r"\s*\([^)]*\)\s*$")
_OWNER_MODIFIER: Final = P.factored(r"^.{1,60}?['’]s?\s+(?=\S)")
_PARENTHESES: Final = P.factored(r"\([^)]*\)")
_POSSESSIVE_TAIL: Final = P.factored(r"(?:\([^)]*\))?['’]?s?")
_WORDS_OF_NAME: Final = P.factored(r"[\w'’-]+")


_FINAL_WORDS_MEMO: Final = P.Memo[frozenset[str], frozenset[str]](1024)


def _final_words(nouns: frozenset[str]) -> frozenset[str]:
    """``_final_words_of``, remembered (see patterns.Memo)."""
    kept = _FINAL_WORDS_MEMO.kept
    return kept[nouns] if nouns in kept else _FINAL_WORDS_MEMO.keep(nouns, _final_words_of(nouns))


def _final_words_of(nouns: frozenset[str]) -> frozenset[str]:
    """The last word of each of an account's nouns ("minister" of "home minister")."""
    return frozenset(n.split()[-1] for n in nouns)


class Resolver:
    """Turns a speaker phrase into (actor handle, name as written, entity) using the context."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def registry_head(self, np: str) -> tuple[str, int, int] | None:
        """The registry account that is the head of ``np`` (its last name, not a modifier)."""
        best = None
        names = self.ctx.registry.find_names(np)
        # (a parenthesis to drop needs a "(": most phrases have none, and the search for one costs)
        core = (_TRAILING_PARENS.sub("", np) if "(" in np else np).rstrip(" ’'s") if names else np
        for start, end, actor in names:
            tail = np[end:].strip()
            if end >= len(core) - 2 or _POSSESSIVE_TAIL.fullmatch(tail):
                best = (actor.handle, start, end)
        if best is None and "@" in np:
            handle = P.HANDLE.search(np)
            if handle:
                known = self.ctx.registry.get(handle.group("handle"))
                return ((known.handle if known else handle.group("handle")), handle.start(), handle.end())
        return best

    def resolve(self, np: str, para: int, position: int) -> Entity | None:
        np = _clean_np(np)
        if not np or len(np) > 120:
            return None
        lowered = np.lower()
        if lowered in P.PRONOUNS:
            return self.pronoun(P.PRONOUNS[lowered], position)
        if "s " in lowered and ("'" in np or "’" in np):
            owned = P.OWNED_POST.match(np)
            if owned is not None and owned.group("owner").lower() not in ("his", "her", "its", "their"):
                return self.resolve(owned.group("owner"), para, position)
        head = self.registry_head(np)
        if head is not None:
            actor = self.ctx.registry.get(head[0])
            entity = Entity(
                name=np, actor=head[0],
                person=actor.is_person if actor else _np_is_person(np),
                pronoun=actor.pronoun if actor else None,
                nouns=self.ctx.registry.nouns_of[actor.handle] if actor else frozenset(),
                para=para, position=position,
            )
            return self._remember(entity)
        bare = normalise_name(_after(P.DETERMINER, np))
        if P.POST_AS_SPEAKER.match(lowered):
            return self.current_post_owner(position, para) or self.last_subject(position)
        if P.DOCUMENT_AS_SPEAKER.match(lowered):
            return self.last_subject(position)
        if np[:1].islower() or lowered.startswith("the ") or bare in self.ctx.registry.by_title \
                or bare in self.ctx.registry.by_noun:
            back = self.by_noun(bare, position)
            if back is not None:
                return back
            titled = self.ctx.registry.with_title(bare)
            if len(titled) == 1:
                actor = titled[0]
                return self._remember(Entity(np, actor.handle, actor.is_person, actor.pronoun,
                                             self.ctx.registry.nouns_of[actor.handle], para, position))
            if np[:1].islower() and not lowered.startswith("the "):
                return None
        earlier = self.same_unknown(np, position)
        if earlier is not None:
            return earlier
        person = _np_is_person(np)
        return self._remember(Entity(np, None, person, None, _head_nouns(np), para, position))

    def same_unknown(self, np: str, position: int) -> Entity | None:
        """'Gandhi' after 'Leader of Opposition ... Rahul Gandhi': the same poster, outside the registry
        or a person of it named by a word its aliases lack ('Dar' after 'Foreign Minister Ishaq Dar')."""
        words = _WORDS_OF_NAME.findall(np)
        if not words or not all(w[:1].isupper() for w in words) or len(words) > 3:
            return None
        tail = " ".join(words).lower()
        for entity in _recent(self.ctx.entities, LOOKBACK_ENTITIES):
            if (entity.actor is None or entity.person) and entity.position <= position:
                name = entity.name.lower()
                if name != tail and _ends_with_words(name, tail):
                    return self._copy(entity, position)
        return None

    def _remember(self, entity: Entity) -> Entity:
        self.ctx.entities.append(entity)
        return entity

    def by_noun(self, noun: str, position: int) -> Entity | None:
        """The latest entity a generic noun ("the embassy", "the minister") can point back to."""
        words = noun.split()
        for at, word in enumerate(words):
            if at and word in _HEAD_ENDS:
                words = words[:at]  # "embassy of japan in india": the head noun is "embassy"
                break
        for entity in _recent(self.ctx.entities, LOOKBACK_ENTITIES):
            if entity.position > position:
                continue
            if noun in entity.nouns:
                return self._copy(entity, position)
            if entity.actor is None and words and words[-1] in entity.nouns:
                return self._copy(entity, position)
            if entity.actor is not None and words and words[-1] in _final_words(entity.nouns):
                return self._copy(entity, position)
        return None

    def _copy(self, entity: Entity, position: int) -> Entity:
        """A new mention of an entity already named; remembered, so later dates can attach to it."""
        return self._remember(Entity(entity.name, entity.actor, entity.person, entity.pronoun, entity.nouns,
                                     entity.para, position))

    def pronoun(self, kind: str, position: int) -> Entity | None:
        for entity in _recent(self.ctx.entities, LOOKBACK_ENTITIES):
            if entity.position > position:
                continue
            if kind in ("he", "she"):
                if entity.person is False:
                    continue
                if entity.pronoun and entity.pronoun not in (kind, "they"):
                    continue
                if entity.person is None and entity.actor is None:
                    continue
                return self._copy(entity, position)
            if kind in ("it", "they"):
                if entity.person:
                    continue
                return self._copy(entity, position)
        return None

    def current_post_owner(self, position: int, para: int) -> Entity | None:
        for draft in _recent(self.ctx.drafts, LOOKBACK_POSTS):
            if para - draft.para > 1:
                return None
            for entity in _recent(self.ctx.entities, LOOKBACK_ENTITIES):
                if _entity_key(entity) == _draft_key(draft):
                    return self._copy(entity, position)
            return None
        return None

    def last_subject(self, position: int) -> Entity | None:
        for entity in _recent(self.ctx.entities, LOOKBACK_ENTITIES):
            if entity.position < position:
                return self._copy(entity, position)
        return None


# ================================================================== frames and speakers


def _blank_quotes(text: str, sentence: Sentence) -> str:
    """The sentence with quoted text blanked to spaces, so offsets still line up."""
    if not sentence.quotes:
        return text[sentence.start:sentence.end]
    marks = _QUOTE_MARKS
    pieces = []
    cursor = sentence.start  # up to here the frame is written
    for quote in sentence.quotes:
        begin, end = max(quote.start - 1, sentence.start), min(quote.end + 1, sentence.end)
        while begin > sentence.start and text[begin - 1] in marks:
            begin -= 1  # the first mark of '' or a nested mark
        while end < sentence.end and text[end] in marks:
            end += 1
        begin = max(begin, cursor)  # blanked already by the quote before
        if end > begin:
            pieces.append(text[cursor:begin])
            pieces.append(" " * (end - begin))
            cursor = end
    pieces.append(text[cursor:sentence.end])
    return "".join(pieces)


_QUOTE_MARKS: Final = P.DOUBLE_OPEN + P.DOUBLE_CLOSE + P.SINGLE_OPEN + P.SINGLE_CLOSE


_VERB_AT: Final = P.SPEECH_VERBS
_LEADING_PUNCT: Final = P.factored(r"^[\s,;:—–-]*")
_HEAD_WORDS: Final = P.factored(r"(?:[^\s,.;:]+\s+){0,12}?")
_CLAUSE_SEP: Final = P.factored(r",|;|:|\s[—–]\s")
_WHO: Final = P.factored(r"who\b", re.I)
# A lower-case title and the name it heads, after a capitalised phrase: "... spokesperson Mao Ning".
_TITLE_THEN_NAME: Final = P.factored(r"\s+(?P<title>(?:[a-z-]+\s+){1,3})[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}")
# A clause opening with a lower-case word that is no determiner is a predicate without a subject.
_PREDICATE: Final = P.factored(r"^(?!(?:the|a|an|his|her|its|their|our|this|that|these|those)\b)[a-z]")
# A noun phrase set beside a name: "Rahul Gandhi, the Leader of Opposition, ...".
_APPOSITION: Final = P.factored(r"^(?:(?i:the|a|an)\s|(?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*['’]s\s)")
# Clauses that describe rather than say: "who ...", "known as ...", "a ...".
_DESCRIPTIVE_CLAUSE: Final = P.factored(r"^(?:who|which|whose|where|when|a|an|one|known|also)\b", re.I)


# _units asks first to choose the frame, _quote_unit again to use it
_SPEAKER_AFTER_MEMO: Final = P.Memo[str, tuple[str, int, str] | None](8192)


def _speaker_after(frame: str) -> tuple[str, int, str] | None:
    """``_speaker_after_of``, remembered (see patterns.Memo)."""
    kept = _SPEAKER_AFTER_MEMO.kept
    return kept[frame] if frame in kept else _SPEAKER_AFTER_MEMO.keep(frame, _speaker_after_of(frame))


def _speaker_after_of(frame: str) -> tuple[str, int, str] | None:
    """Speaker in a frame that follows its quote: ', the MEA posted on X.' or ', said Modi.'"""
    match = _LEADING_PUNCT.match(frame)
    offset = match.end() if match else 0
    rest = frame[offset:]
    head = _HEAD_WORDS.match(rest)
    verb = _VERB_AT.search(rest[: 160])
    if verb is None:
        return None
    before = rest[: verb.start()]
    if head is None or len(before.split()) > 14 or ";" in before or ("." in before and _full_stop(before)):
        return None
    if not before.strip():
        # inverted: ', tweeted the Prime Minister' / ', said Jaishankar'
        after = rest[verb.end():]
        np = P.NAME_PHRASE.match(after)
        if np is not None and np.group(1).strip().lower() == "the":
            np = P.LOWER_NOUN_PHRASE.match(after)  # "tweeted the minister"
        if np is not None and np.group(1).strip() and (
            np.group(1).strip()[0].isupper() or np.group(1).lower().startswith("the ")
        ):
            titled = _TITLE_THEN_NAME.match(after, np.end())
            if titled is not None and P.PERSON_WORDS.search(titled.group("title")):
                # "said Chinese Foreign Ministry spokesperson Mao Ning": the person after the title
                return after[np.start(1):titled.end()].strip(), offset + verb.end() + np.start(1), verb.group()
            return np.group(1).strip(), offset + verb.end() + np.start(1), verb.group()
        return None
    return before, offset, verb.group()


def _leading_name(clause: str) -> str:
    """'Rahul Gandhi took a swipe at the government on X': the capitalised name that opens a clause
    whose verb is no speech verb; the clause itself when it opens otherwise."""
    name = P.NAME_PHRASE.match(clause)
    if name is None:
        return clause
    found = name.group(1).strip()
    rest = clause[name.end():].split()
    if not found or found.lower() == "the" or found.endswith(("'s", "’s")) or len(rest) < 3 \
            or not rest[0][:1].islower():
        return clause  # not a name, a possessive ("Pakistan's prime minister"), or no predicate after it
    head = " ".join(rest[:3])
    if P.PERSON_WORDS.search(head) or P.ORG_WORDS.search(head):
        return clause  # "Indian commerce minister Piyush Goyal": the name goes on after a lower-case title
    return clause[: name.end()]


def _full_stop(text: str) -> bool:
    """Whether ``text`` holds a full stop that is not an abbreviation's or an initial's."""
    return "." in P.ABBREVIATED.sub("", text)


def _clauses(frame: str, protect: list[Span] | None = None) -> list[tuple[int, str]]:
    """Comma, semicolon, colon and dash separated clauses, never cutting inside a protected name."""
    out: list[tuple[int, str]] = []
    begin = 0
    if "—" in frame or "–" in frame:
        spans = [m.span() for m in _CLAUSE_SEP.finditer(frame)]
    else:  # no dash (the most of frames): the punctuation alone, found by str.find
        spans = [(at, at + 1) for at in _offsets(frame, ",;:")]
    for at, end in spans:
        if protect:
            for a, b in protect:
                if a < at < b:
                    break
            else:
                out.append((begin, frame[begin:at]))
                begin = end
            continue
        out.append((begin, frame[begin:at]))
        begin = end
    out.append((begin, frame[begin:]))
    return out


def _clause_verb(verbs: list[re.Match[str]], chunk: str, offset: int) -> re.Match[str] | None:
    """The first speech verb of a clause, as found in the whole frame (``verbs``, its verbs in
    order): no verb crosses the punctuation clauses are split at, and that punctuation bounds a
    word as the clause's own edges do, so the frame's verb is the clause's."""
    end = offset + len(chunk)
    for verb in verbs:
        if verb.start() >= offset:
            return verb if verb.end() <= end else None
    return None


def _speaker_before(frame: str, protect: list[Span] | None = None) -> tuple[str, int, str] | None:
    """Speaker in a frame before its quote: 'In a post on X, the US Embassy in India had stated,'.

    Positions of verbs are the frame's: a clause's subject is the frame from the clause's start."""
    verbs = _VERB_AT.every(frame)
    if not verbs:
        return None  # every clause needs a speech verb
    chunks = [(o, c) for o, c in _clauses(frame, protect) if c.strip()]
    for i in range(len(chunks) - 1, -1, -1):
        offset, chunk = chunks[i]
        if P.RELATIVE_CLAUSE.match(chunk.strip()):
            verb = _clause_verb(verbs, chunk, offset) if i == len(chunks) - 1 and i > 0 else None
            if verb is not None and _WHO.match(chunk.strip()):
                # "Donald Trump Jr, who wrote on X:": the clause introduces the quote; its antecedent speaks
                return chunks[i - 1][1], chunks[i - 1][0], verb.group()
            continue  # "..., where he congratulated NCB": not the main clause
        verb = _clause_verb(verbs, chunk, offset)
        if verb is None:
            continue
        subject = chunk[: verb.start() - offset]
        who = P.WHO_ANTECEDENT.search(subject) if "who" in subject else None  # its "who" is lower case
        if who is not None:
            # "... criticised by Russian politicians and Donald Trump Jr who wrote on X:"
            return who.group("np"), offset + who.start("np"), verb.group()
        if subject.strip() and not P.LEADING_ADVERBIAL.match(subject.strip()):
            if len(subject.split()) > 6:
                # "Yiannopoulos essentially threw a lit match on ... by retweeting": the name, not its predicate
                subject = _leading_name(subject)
            return subject, offset, verb.group()
        if subject.strip():
            # "Replying to Modi a few hours later, Albanese wrote": subject after the adverbial
            continue
        inverted = P.NAME_PHRASE.match(frame, verb.end(), offset + len(chunk))
        if i == 0 and inverted is not None and inverted.group(1).strip() \
                and verb.start() - offset == len(chunk) - len(chunk.lstrip()):
            # "Tweeted Omar, ..." : the speaker follows the verb
            return inverted.group(1), inverted.start(1), verb.group()
        for j in range(i - 1, -1, -1):
            o2, prev = chunks[j]
            stripped = prev.strip()
            if _DESCRIPTIVE_CLAUSE.match(stripped):
                continue
            if P.LEADING_ADVERBIAL.match(stripped):
                continue
            if _PREDICATE.match(stripped):
                continue  # "..., took a swipe at the government on X, writing:": a predicate, no subject
            if j > 0 and _APPOSITION.match(stripped) and chunks[j - 1][1].strip()[:1].isupper() \
                    and not P.LEADING_ADVERBIAL.match(chunks[j - 1][1].strip()):
                # "Rahul Gandhi, the Leader of Opposition, ...": the name, not its apposition
                o2, prev = chunks[j - 1]
            sub_verb = _clause_verb(verbs, prev, o2)
            subject = prev[: sub_verb.start() - o2] if sub_verb else _leading_name(prev)
            if subject.strip():
                return subject, o2, verb.group()
    return None


# ================================================================== extraction


_POSTING_VERB: Final = P.prefiltered(r"\b(?:posted|wrote|said|tweeted)\b", re.I)
# Speech verbs that are posting itself: '"Happy Diwali," the MEA posted.' needs no platform named.
_POSTING: Final = frozenset({"posted", "posts", "tweeted", "tweets"})


_PLATFORM_MEMO: Final = P.Memo[str, str | None](8192)


def _platform(frame: str) -> str | None:
    """``_platform_of``, remembered (see patterns.Memo)."""
    kept = _PLATFORM_MEMO.kept
    return kept[frame] if frame in kept else _PLATFORM_MEMO.keep(frame, _platform_of(frame))


def _platform_of(frame: str) -> str | None:
    if not P.ANY_PLATFORM.possible(frame):
        return None
    if P.PLATFORM_NOISE.search(frame) and not _POSTING_VERB.search(frame):
        return None
    for name, pattern in P.PLATFORM_PATTERNS:
        if pattern.search(frame):
            return name
    return None


# Whether a frame can say anything about posts at all (a platform, a post of its own, a channel).
_POST_CUES: Final = P.AnyOf(*(pattern for _, pattern in P.PLATFORM_PATTERNS), P.SAME_POST, P.NEW_POST, P.ORDINAL_POST,
                            P.POST_CHANNEL)


_IS_POST_FRAME_MEMO: Final = P.Memo[str, bool](8192)


def _is_post_frame(frame: str) -> bool:
    """``_is_post_frame_of``, remembered (see patterns.Memo)."""
    kept = _IS_POST_FRAME_MEMO.kept
    return kept[frame] if frame in kept else _IS_POST_FRAME_MEMO.keep(frame, _is_post_frame_of(frame))


def _is_post_frame_of(frame: str) -> bool:
    if not _POST_CUES.possible(frame):
        return False
    if P.OTHER_POST_SENSE.search(frame) and not _platform(frame):
        return False
    if _platform(frame):
        return True
    return bool(P.SAME_POST.search(frame) or P.NEW_POST.search(frame) or P.ORDINAL_POST.search(frame)
                or P.POST_CHANNEL.search(frame))


def clear_caches(registry: Registry) -> None:
    """Forget memoised classifications (for benchmarks that must not reuse earlier articles' work)."""
    _PLATFORM_MEMO.clear()
    _IS_POST_FRAME_MEMO.clear()
    _CLEAN_NP_MEMO.clear()
    _FINAL_WORDS_MEMO.clear()
    _HEAD_NOUNS_MEMO.clear()
    _NP_IS_PERSON_MEMO.clear()
    P.forget_words()
    _SPEAKER_AFTER_MEMO.clear()
    forget_dates()
    forget_names()
    registry.clear_cache()


def extract(article: Article, registry: Registry | None = None) -> Extraction:
    """Find every post the article cites, who posted it, when, and how posts relate."""
    registry = registry if registry is not None else load_registry()
    text = article.text
    base = article_date(text, article.published)
    paras = paragraphs(text)
    ctx = Context(text=text, registry=registry, base=base, paras=paras)
    resolver = Resolver(ctx)
    quotes = find_quotes(text, paras)
    sents = sentences(text, paras, quotes)
    embeds = _text_embeds(ctx, paras)
    consumed = set(embeds) | {sig for sig, _ in embeds.values()}
    for sentence in sents:
        if sentence.para in embeds:
            signature, match = embeds.pop(sentence.para)
            _add_text_embed(ctx, resolver, paras, sentence.para, signature, match)
        if sentence.para in consumed:
            continue
        _read_sentence(ctx, resolver, sentence)
    for embed in article.embeds:
        _html_embed(ctx, embed)
    posts = _finish(ctx, base)
    keep = {p.key for p in posts}
    relations = tuple(r for r in ctx.relations if r.source in keep and r.target in keep)
    mentions = tuple(_mentions(ctx, posts))
    return _frozen(Extraction, {"article": article, "posts": tuple(posts), "relations": relations,
                                "mentions": mentions})


def _text_embeds(ctx: Context, paras: list[Span]) -> dict[int, tuple[int, re.Match[str]]]:
    """Embedded posts rendered as text: body paragraph -> (signature paragraph, signature match).

    The signature is '— Name (@handle) Month D, YYYY' (or Instagram's 'A post shared by ...')
    on the line after the post's text.
    """
    found: dict[int, tuple[int, re.Match[str]]] = {}
    if "(@" not in ctx.text:
        return found  # both renderings print the account as "(@handle)"
    for index, (start, end) in enumerate(paras):
        line = ctx.text[start:end]
        shared = P.SHARED_BY.search(line)
        # EMBED_SIGNATURE matches only a line whose first character other than whitespace is a dash
        dashed = line.lstrip().startswith(("—", "–", "-"))
        match = shared or (P.EMBED_SIGNATURE.match(line) if dashed else None)
        if match is None or (shared is None and not dashed):
            continue
        body = index - 1
        if body < 0 or body in found or any(sig == body for sig, _ in found.values()):
            continue
        found[body] = (index, match)
    return found


def _add_text_embed(ctx: Context, resolver: Resolver, paras: list[Span], body: int, signature: int,
                    match: re.Match[str]) -> None:
    start, end = paras[signature]
    b_start, b_end = paras[body]
    line = ctx.text[start:end]
    handle = match.group("handle")
    actor = ctx.registry.get(handle)
    posted = find_date(match.group("date"), ctx.base)[0] if match.group("date") else None
    name = f"{match.group('name').strip()} (@{handle})"
    entity = Entity(name, actor.handle if actor else handle, actor.is_person if actor else None,
                    actor.pronoun if actor else None,
                    ctx.registry.nouns_of[actor.handle] if actor else frozenset(),
                    body, b_start)
    ctx.entities.append(entity)
    current = _context_post(ctx, entity, body)
    latest = ctx.drafts[-1] if ctx.drafts else None
    if current is None and latest is not None and latest.actor is None and not latest.fragments \
            and not latest.status_id and 0 <= body - latest.para <= 1:
        # "The minister shared the news on X." then the embed: the embed says who "the minister" is
        current = latest
        current.actor, current.entity_key = entity.actor, _entity_key(entity)
    if current is not None and not current.fragments and body - current.para <= 1:
        # "shared pictures from the meeting on X" followed by the embed: one post
        current.fragments.append((b_start, b_end))
        current.embed_kind = "text"
        if current.platform is None:  # the rendering says where it was posted
            current.platform, current.platform_inferred = _embed_platform(match), False
        if posted:
            current.posted, current.date_found = posted, True
        return
    draft = Draft(
        key=ctx.new_key(), actor=entity.actor, actor_name=name,
        actor_span=(start + match.start("name"), start + match.end("handle") + 1),
        platform=_embed_platform(match), platform_inferred=False,
        sentence_span=(b_start, end), cue=line.strip(), cue_span=(start, end), para=body,
        fragments=[(b_start, b_end)], posted=posted, date_found=posted is not None,
        embed_kind="text", confidence=0.95, entity_key=_entity_key(entity), entity_index=len(ctx.entities),
    )
    ctx.drafts.append(draft)
    ctx.channel[_entity_key(entity)] = ("post", body)


def _embed_platform(match: re.Match[str]) -> str:
    """Instagram's 'A post shared by ...', else the '— Name (@handle) date' of X."""
    return "instagram" if match.re is P.SHARED_BY.regex else "x"


def _html_embed(ctx: Context, embed: EmbeddedPost) -> None:
    """A post embedded in the page: merge with a prose citation of the same post, else add it."""
    actor = ctx.registry.get(embed.handle)
    handle = actor.handle if actor else embed.handle
    for draft in ctx.drafts:
        if draft.status_id and draft.status_id == embed.status_id:
            return
        if embed.text and draft.fragments and _same_text(ctx.text, draft, embed.text):
            # one post quoted in the prose and embedded in the page: the embed knows the account
            draft.status_id, draft.url, draft.embed_kind = embed.status_id, embed.url, embed.kind
            draft.embed_text = embed.text
            if handle:
                draft.actor = handle
            if embed.posted:
                draft.posted, draft.date_found = embed.posted, True
            return
    ctx.drafts.append(Draft(
        key=ctx.new_key(), actor=handle, actor_name=embed.author_name or (f"@{embed.handle}" if embed.handle else None),
        actor_span=None, platform=embed.platform, platform_inferred=False,
        sentence_span=(embed.offset, embed.offset + len(embed.markup or "")),  # offsets in the page's HTML
        cue=embed.markup or embed.kind, cue_span=None, para=-1, posted=embed.posted, date_found=bool(embed.posted),
        status_id=embed.status_id, url=embed.url, embed_kind=embed.kind, embed_text=embed.text, confidence=0.98,
        evidence=embed.markup or embed.url or embed.kind,
    ))


_WORD: Final = P.factored(r"\w+")


def _words(value: str) -> list[str]:
    return _WORD.findall(value.lower().replace("’", "").replace("'", ""))


def _same_text(text: str, draft: Draft, other: str) -> bool:
    mine = " ".join(" ".join(_words(text[s:e])) for s, e in draft.fragments)
    theirs = " ".join(_words(other))
    probe = " ".join(_words(other)[:8])
    return bool(probe) and (probe in mine or " ".join(mine.split()[:8]) in theirs)


_OPENS_WITH_COMMA: Final = P.factored(r"^\s*[,;:—–-]")
_CLAUSE_END: Final = (",", ";", ":", "—", "–", "-")  # a quote's last character that hands over to its frame
_CLOSE_THEN_COMMA: Final = P.factored(r"^[\s\"”’']*[,;:—–-]")


def _units(text: str, sentence: Sentence, frame: str) -> list[tuple[list[Quote], str, str, int]]:
    """Group a sentence's quotes by the frame that attributes them: (quotes, side, frame part, offset)."""
    quotes = sentence.quotes
    if not quotes:
        return []
    first, last = quotes[0], quotes[-1]
    before = frame[: max(first.start - 1 - sentence.start, 0)]
    after_start = min(last.end + 1, sentence.end) - sentence.start
    after = frame[after_start:]
    between = [frame[q.end + 1 - sentence.start: n.start - 1 - sentence.start] for q, n in pairwise(quotes)]
    # '"A", he said, "B."' and '"A," he said, "B."' (the comma inside the marks) -> one unit
    # attributed by the middle frame
    if len(quotes) > 1 and not before.strip(" \t\u00a0") and all(
            _OPENS_WITH_COMMA.match(b) or text[q.end - 1:q.end] in _CLAUSE_END
            for b, q in zip(between, quotes, strict=False)):
        mid = between[0]
        return [(quotes, "after", mid, quotes[0].end + 1)]
    comma_inside = text[last.end - 1:last.end] in (",", ";", "—", "–", "-") if last.end > last.start else False
    if (comma_inside or _CLOSE_THEN_COMMA.match(after)) and _speaker_after(after) is not None:
        return [(quotes, "after", after, sentence.start + after_start)]
    if before.strip():
        return [(quotes, "before", before, sentence.start)]
    if after.strip(" .\t\u00a0\"”"):
        return [(quotes, "after", after, sentence.start + after_start)]
    return [(quotes, "none", "", sentence.start)]


def _read_sentence(ctx: Context, resolver: Resolver, sentence: Sentence) -> None:
    text = ctx.text
    frame = _blank_quotes(text, sentence)
    if sentence.start == 0 or (sentence.para == 0 and not text[: sentence.start].strip()):
        prefix = P.LEAD_PREFIX.match(frame)
        if prefix is not None and prefix.end():
            frame = " " * prefix.end() + frame[prefix.end():]
            _lead_date(ctx, frame)
    para = sentence.para
    date_value: str | None = None
    date_found = False
    if ANY_DATE.possible(frame):  # else no part of the frame can date anything
        main = _without_relative_clauses(frame)
        date_value, date_found = find_possible_date(main, ctx.base) if main is frame else find_date(main, ctx.base)
        if not date_found and P.THAT_DAY.search(frame):
            # "who co-chaired the session on Wednesday, said ... that evening": the day named nearby
            date_value, date_found = find_possible_date(frame, ctx.base)
    mentioned = _mention_entities(ctx, resolver, sentence, frame)
    if date_found:
        for entity in mentioned:
            entity.date, entity.date_para = date_value, para
    if not sentence.quotes:
        subject = _subject(ctx, resolver, sentence, frame)
        if subject is not None and date_found:
            subject[0].date, subject[0].date_para = date_value, para
        if P.TRIGGER.search(frame):  # no post word: nothing here can cite, share or answer a post
            _paraphrase(ctx, resolver, sentence, frame, date_value, date_found, subject)
        return
    for quotes, side, part, offset in _units(text, sentence, frame):
        _quote_unit(ctx, resolver, sentence, quotes, side, part, offset, frame, date_value, date_found)


_LEAD_SUBJECT: Final = P.factored(
    r"\s*(?P<np>[A-Z][\w.'’ -]{1,40}?)\s+(?:on\s+\w+day|has|had|have|said|says|today|yesterday)\b")


def _lead_date(ctx: Context, frame: str) -> None:
    """The lead's subject and date: 'China on Thursday said ...' dates China's posts of the story."""
    subject = _LEAD_SUBJECT.match(frame)
    value, found = find_date(frame[: 200], ctx.base)
    if not found or value is None:
        return
    if subject is None:
        if P.MANY_COUNTRIES.match(frame.strip()):
            ctx.lead = ("*", value)
        return
    name = subject.group("np").strip().lower()
    if name in P.COUNTRIES:
        ctx.lead = (P.COUNTRIES[name], value)
    elif P.MANY_COUNTRIES.match(name):
        ctx.lead = ("*", value)
    else:
        np = subject.group("np")
        head = [actor for _, end, actor in ctx.registry.find_names(np) if end >= len(np.rstrip()) - 1]
        if head and head[-1].government:
            ctx.lead = (head[-1].government, value)


def _mention_entities(ctx: Context, resolver: Resolver, sentence: Sentence, frame: str) -> list[Entity]:
    """Register the accounts a sentence names outside its quotes, in order, for later reference."""
    found = []
    for start, end, actor in ctx.registry.find_names(frame):
        entity = Entity(frame[start:end], actor.handle, actor.is_person, actor.pronoun,
                        ctx.registry.nouns_of[actor.handle], sentence.para, sentence.start + start)
        ctx.entities.append(entity)
        found.append(entity)
    return found


def _draft_key(draft: Draft) -> str:
    return draft.entity_key or draft.actor or normalise_name(draft.actor_name or "")


def _context_post(ctx: Context, entity: Entity | None, para: int) -> Draft | None:
    """The speaker's current post, if it was cited recently enough to be continued."""
    if entity is None:
        return None
    key = _entity_key(entity)
    for draft in _recent(ctx.drafts, LOOKBACK_POSTS):
        if _draft_key(draft) == key:
            return draft if para - draft.para <= CONTEXT_PARAGRAPHS else None
    return None


def _new_draft(ctx: Context, entity: Entity | None, name: str | None, name_span: Span | None, sentence: Sentence,
               platform: str | None, cue: str | None, cue_span: Span | None) -> Draft:
    draft = Draft(
        key=ctx.new_key(), actor=entity.actor if entity else None,
        actor_name=(name if name else (entity.name if entity else None)), actor_span=name_span,
        platform=platform, platform_inferred=False, sentence_span=(sentence.start, sentence.end), cue=cue,
        cue_span=cue_span, para=sentence.para, entity_key=_entity_key(entity) if entity is not None else "",
        entity_index=len(ctx.entities),
    )
    ctx.drafts.append(draft)
    if entity is not None:
        ctx.channel[_entity_key(entity)] = ("post", sentence.para)
    return draft


def _cue_text(sentence: Sentence, frame: str) -> tuple[str, Span]:
    cue = " ".join(frame.split()).strip(" ,.;:\"“”")
    return cue, (sentence.start, sentence.end)


_POST_NAMED: Final = P.prefiltered(r"^(?:the\s+)?(?:\w+\s+)?(?:post|tweet|caption|message)s?$", re.I)
_STATEMENT_WORD: Final = P.prefiltered(r"\b(?:statement|release|letter|readout)\b", re.I)
_CONTINUES: Final = P.prefiltered(r"\b(?:added|adds|adding|mentioned|continued|went\s+on|further|also)\b", re.I)
_BOTH: Final = P.prefiltered(r"\bboth\b", re.I)
_NTH_POST: Final = P.prefiltered(r"\bthe\s+(first|second|third|fourth)\s+(?:post|tweet|message)", re.I)
# ", who has 20 million followers on X,"; ", a video of which was later shared on X." (to the end)
_RELATIVE_CLAUSE: Final = P.factored(
    r",\s*(?:(?:a|an|the|one|some|many|most|all|each)\s+(?:\w+\s+){0,3}of\s+)?(?:who|which|whose)\b(?:[^,]*,|[^,:]*$)")
_POSSESSIVE_END: Final = P.factored(r"['’]s?\b")
_NEXT_CLAUSE: Final = P.factored(r",\s+(?:and|but|while|whereas)\s+(?:the|a|an|his|her|its|their|[A-Z])")
_HEAD_ENDS: Final = frozenset({"of", "in", "for", "to", "at", "on", "from", "with"})  # a noun phrase's head ends here
_HANDLE_IN_NAME: Final = P.factored(r"\(@\w{1,30}\)")
_PASSIVE_BEFORE: Final = P.factored(r"\b(?:was|were|been|being|is|are|get|got)\s+(?:\w+ly\s+)?$", re.I)
_THE_NOUNS: Final = P.factored(r"\s*the\s+((?:[a-z]+\s+){0,3}[a-z]+)")
_AND: Final = P.factored(r"\s+and\s+")


def _quote_unit(ctx: Context, resolver: Resolver, sentence: Sentence, quotes: list[Quote], side: str, part: str,
                offset: int, frame: str, date_value: str | None, date_found: bool) -> None:
    text = ctx.text
    para = sentence.para
    if side == "after":
        found = _speaker_after(part)
    elif side == "before":
        protect = [(a, b) for a, b, _ in ctx.registry.find_names(part)]
        # "..., the Pakistani Foreign Office hit back at the MEA's post, calling it": no speech
        # verb, so the account opening the main clause
        found = _speaker_before(part, protect) or _clause_subject(ctx, resolver, part, protect)
    else:
        found = None
    entity = None
    name = None
    name_span = None
    agent = None
    if found is not None:
        np, np_offset, _verb = found
        clean = _clean_np(np)
        entity = resolver.resolve(clean, para, sentence.start + np_offset)
        local = part.find(clean) if clean else -1
        if clean and local >= 0:
            abs_start = (offset if side == "after" else sentence.start) + local
            name_span = (abs_start, abs_start + len(clean))
        name = clean if clean.lower() not in P.PRONOUNS else (entity.name if entity else None)
        if entity is not None and clean.lower() in P.PRONOUNS:
            name = entity.name
        if entity is not None and (_POST_NAMED.match(clean) or P.OWNED_POST.match(clean)):
            name = entity.name
        agent = P.BY_AGENT.search(part) if _POST_NAMED.match(clean) else None
        if agent is not None:
            # "The post, shared by the Indian Embassy in Washington, said:": the post's author
            base = offset if side == "after" else sentence.start
            entity = resolver.resolve(agent.group("owner"), para, base + agent.start("owner"))
            if entity is not None:
                name = _clean_np(agent.group("owner"))
                name_span = (base + agent.start("owner"), base + agent.start("owner") + len(name))
        if _translation_of_last(ctx, part, sentence, quotes, entity, clean):
            return
    elif side == "none":
        # a quote with no frame of its own continues the previous speaker's post, if any
        prev = ctx.drafts[-1] if ctx.drafts else None
        introduced = para > 0 and _last_visible(ctx.text, sentence.start) == ":"
        if prev is not None and para - prev.para <= 1 and (prev.fragments or introduced):
            prev.fragments.extend((q.start, q.end) for q in quotes)
            prev.truncated = prev.truncated or any(not q.closed and q.end >= len(text.rstrip()) for q in quotes)
        return
    elif _translation_of_last(ctx, part, sentence, quotes, None, ""):
        return
    sentence_frame = frame
    # whether the frame cites a statement, a briefing or an interview: asked only where it decides
    # (the NON_POST search is one of the costliest), never before what it used to precede
    statement: bool | None = None
    if found is not None and found[2].lower() == "told":
        statement = _is_statement(part, side)
    if statement:
        # "Jones told the Indianapolis Star": speech to someone, whatever platform the sentence names
        if entity is not None:
            ctx.channel[_entity_key(entity)] = ("statement", para)
        return
    lead = sentence_frame[: max(quotes[0].start - sentence.start - 1, 0)]
    answered = _answered(ctx, resolver, sentence, sentence_frame, entity)
    mentioned = _mentioned(ctx, resolver, sentence, sentence_frame) if answered is None else None
    described = _without_relative_clauses(part)  # ", who has 20 million followers on X," cites no post
    # 'Modi (@narendramodi) wrote: "..."': the speaker named by a handle writes where handles are
    handle_named = found is not None and "(@" in found[0] and _HANDLE_IN_NAME.search(found[0]) is not None
    posty = _is_post_frame(described) or (side == "before" and _is_post_frame(_without_relative_clauses(lead))) \
        or answered is not None \
        or (agent is not None and entity is not None) \
        or (found is not None and found[2].lower() in _POSTING and not P.OTHER_POST_SENSE.search(part)) \
        or (side == "before" and found is not None
            and _trailing_post_cue(sentence_frame, quotes[-1].end + 1 - sentence.start)) \
        or handle_named
    key = _entity_key(entity) if entity is not None else None
    if not posty and (statement if statement is not None else _is_statement(part, side)):
        if key:
            ctx.channel[key] = ("statement", para)
        return
    current = _context_post(ctx, entity, para)
    # the platform this speaker was placed on by a sentence of this or the previous paragraph
    placed = ctx.on_platform.get(key or "")
    if placed is not None and para - placed[0] > 1:
        placed = None
    if placed is not None and not posty and current is None and found is not None:
        # "Trump lashed out at India on Truth Social. '...,' Trump wrote": the quote is of that post
        cue, cue_span = _cue_text(sentence, part)
        target = _new_draft(ctx, entity, name, name_span, sentence, placed[1], cue, cue_span)
        target.platform_inferred = True
        del ctx.on_platform[key or ""]
    elif not posty:
        channel = ctx.channel.get(key or "", ("", -10))
        if channel[0] != "post" or para - channel[1] > CONTEXT_PARAGRAPHS or current is None:
            # a multi-paragraph quote whose earlier paragraphs had no frame still belongs here
            return
        target = current
        if current.fragments and found is not None and (
                P.TIME_SHIFT.search(part) or (date_found and current.date_found and date_value != current.posted)):
            # "Two days later, he wrote: ...": the same channel, but written at another time: another post
            cue, cue_span = _cue_text(sentence, part)
            target = _new_draft(ctx, entity, name, name_span, sentence, current.platform, cue, cue_span)
            target.platform_inferred = True
    elif current is not None and not P.NEW_POST.search(part) and _ordinal(part) in (0, 1) and (
        not current.fragments or P.SAME_POST.search(part) or _continues(part)
    ) and not _other_platform(current, part, sentence_frame):
        target = current
    else:
        platform = _platform(part) or _platform(sentence_frame)
        inferred = False
        if platform is None and placed is not None:
            # "marked the occasion on X with a photograph. '...,' the post reads."
            platform, inferred = placed[1], True
        cue, cue_span = _cue_text(sentence, part)
        target = _new_draft(ctx, entity, name, name_span, sentence, platform, cue, cue_span)
        target.ordinal = _ordinal(part)
        target.platform_inferred = inferred
    if target.platform is None:
        target.platform = _platform(part) or _platform(sentence_frame)
    if target.platform is None and handle_named:
        target.platform, target.platform_inferred = "x", True
    if target.actor_name is None and name:
        target.actor_name, target.actor_span = name, name_span
    if target.actor is None and entity is not None and entity.actor:
        target.actor = entity.actor
    fragments = _with_continuations(quotes, ctx, sentence)
    target.fragments.extend(fragments)
    target.truncated = target.truncated or any(not q.closed and q.end >= len(text.rstrip()) for q in quotes)
    if date_found and not target.date_found:
        target.posted, target.date_found = date_value, True
    if target.cue is None:
        target.cue, target.cue_span = _cue_text(sentence, part)
    target.confidence = max(target.confidence, 0.9 if posty else 0.7)
    if key:
        ctx.channel[key] = ("post", para)
    if answered is not None and answered[0] is not target:
        _relation(ctx, sentence, target, answered[0], sentence_frame, answered[1])
    elif mentioned is not None and mentioned is not target:
        _relation(ctx, sentence, target, mentioned, sentence_frame, "mention")


def _is_statement(part: str, side: str) -> bool:
    """'..., the ministry said in a statement': the frame cites a statement, a briefing, an interview."""
    return bool(P.NON_POST.search(part)) or bool(side == "after" and _STATEMENT_WORD.search(part))


def _translation_of_last(ctx: Context, part: str, sentence: Sentence, quotes: list[Quote], entity: Entity | None,
                         name: str) -> bool:
    """'Roughly translated, it reads: "..."': the quote renders the post just quoted in another
    language, so it is more text of that post (one post, two renditions), not a new post. A frame
    naming another speaker ("the embassy translated ...") is left to the usual reading."""
    if not ctx.drafts or not P.TRANSLATION.search(part):
        return False
    prev = ctx.drafts[-1]
    if not prev.fragments or sentence.para - prev.para > 1:
        return False
    if entity is not None and name.lower() not in P.PRONOUNS and not _POST_NAMED.match(name) \
            and _entity_key(entity) != _draft_key(prev):
        return False
    prev.fragments.extend((q.start, q.end) for q in quotes)
    return True


def _post_of_owner(ctx: Context, owner: Entity, match: re.Match[str], sentence: Sentence, frame: str) -> Draft | None:
    """The post a possessive names ("Shah's post on X"): the owner's latest post cited, else a new
    post of the owner when the phrase places it on a platform, else None."""
    existing = _latest_post_of(ctx, owner)
    if existing is not None or _platform(frame[match.start():match.end() + 30]) is None:
        return existing
    span = (sentence.start + match.start("owner"), sentence.start + match.end("owner"))
    draft = _new_draft(ctx, owner, _clean_np(match.group("owner")), span, sentence, _platform(frame[match.start():]),
                       _cue_text(sentence, frame)[0], (sentence.start, sentence.end))
    return draft


def _mentioned(ctx: Context, resolver: Resolver, sentence: Sentence, frame: str) -> Draft | None:
    """The earlier post a post speaks of: '..., referring to the US Embassy's post' (relation
    "mention"). The post must be cited already, or be placed on a platform here ("Shah's post on
    X"); a possessive pronoun ("his earlier post") names no other account's post."""
    cue = P.MENTION_POST.search(frame)
    if cue is None:
        return None
    match = P.POSSESSIVE_POST.search(frame, cue.end(), cue.end() + 120)
    if match is None or match.group("owner").lower() in ("his", "her", "its", "their"):
        return None
    owner = resolver.resolve(match.group("owner"), sentence.para, sentence.start + match.start("owner"))
    return _post_of_owner(ctx, owner, match, sentence, frame) if owner is not None else None


def _trailing_post_cue(frame: str, at: int) -> bool:
    """Whether the frame goes on after the quote at ``at`` with a post cue ('"useful" in a post on X')."""
    if at >= len(frame):
        return False
    rest = frame[at:]
    return P.TRAILING_POST.match(rest) is not None or P.TRAILING_POST_CLAUSE.search(rest) is not None


def _last_visible(text: str, end: int) -> str:
    """The last character before ``end`` that is not whitespace ("" if none), without copying."""
    at = end - 1
    while at >= 0 and text[at].isspace():
        at -= 1
    return text[at] if at >= 0 else ""


def _other_platform(current: Draft, part: str, frame: str) -> bool:
    """'On X, the Prime Minister posted ...' after his Instagram post: another post."""
    platform = _platform(part) or _platform(frame)
    return bool(platform and current.platform and platform != current.platform
                and "unspecified" not in (platform, current.platform))


def _continues(part: str) -> bool:
    return bool(_CONTINUES.search(part))


def _ordinal(part: str) -> int:
    match = P.ORDINAL_POST.search(part)
    if not match:
        return 0
    return P.ORDINALS.get(match.group("ord").lower().replace("-", ""), 0) or 2


def _with_continuations(quotes: list[Quote], ctx: Context, sentence: Sentence) -> list[Span]:
    """Fragments of the unit, preceded by earlier paragraphs of a multi-paragraph quote."""
    spans: list[Span] = []
    first = quotes[0]
    if first.para > 0:
        earlier: list[Span] = []
        para = first.para - 1
        while para >= 0:
            prev = _open_quote_ending(ctx, para)
            if prev is None:
                break
            earlier.insert(0, prev)
            para -= 1
        spans.extend(earlier)
    spans.extend((q.start, q.end) for q in quotes)
    return spans


def _open_quote_ending(ctx: Context, para: int) -> Span | None:
    paras = ctx.paras
    if para >= len(paras):
        return None
    start, end = paras[para]
    line = ctx.text[start:end]
    stripped = line.lstrip()
    if not stripped or stripped[0] not in P.DOUBLE_OPEN:
        return None
    body = stripped[1:]
    if any(ch in body for ch in "\"”"):
        return None
    s = start + (len(line) - len(stripped)) + 1
    return (s, end)


def _paraphrase(ctx: Context, resolver: Resolver, sentence: Sentence, frame: str, date_value: str | None,
                date_found: bool, subject: tuple[Entity, str, Span] | None) -> None:
    """A sentence without quotes that cites, reposts or answers a post."""
    para = sentence.para
    coordinated = _NEXT_CLAUSE.search(frame)
    own = frame[: coordinated.start()] if coordinated else frame  # '..., and the President will speak at an event'
    if not _platform(frame) and P.NON_POST.search(own):
        return
    possessive = P.POSSESSIVE_POST.every(frame)
    owners: list[Draft] = []
    for match in possessive:
        owner_np = match.group("owner")
        if owner_np.lower() in ("his", "her", "its", "their"):
            continue
        owner = resolver.resolve(owner_np, para, sentence.start + match.start("owner"))
        if owner is None:
            continue
        existing = _context_post(ctx, owner, para) or _latest_post_of(ctx, owner)
        if existing is None and subject is not None and _entity_key(owner) == _entity_key(subject[0]):
            continue
        if existing is None:
            existing = _post_of_owner(ctx, owner, match, sentence, frame)
        if existing is not None:
            owners.append(existing)
    if owners and _answer_by_possessive(ctx, resolver, sentence, frame, owners[-1]):
        return
    account = P.ACCOUNT_OF.search(frame) or P.BY_AGENT.search(frame)
    if account is not None:
        which = "handle" if account.groupdict().get("handle") else "owner"
        owner = resolver.resolve(account.group(which), para, sentence.start + account.start(which))
        if owner is not None and (subject is None or (subject[0].actor is None and not subject[0].person)):
            # "The details ... were shared on the Twitter handle of the Senate", "a video ... was
            # posted on X by the MEA": the account posted it, whatever the sentence's subject
            subject = (owner, _clean_np(account.group(which)),
                       (sentence.start + account.start(which), sentence.start + account.end(which)))
        elif owner is not None and subject is not None and _entity_key(owner) != _entity_key(subject[0]):
            # "Shah retweeted the video posted by the NCB on X": the subject acts on the account's post
            named = _post_of_owner(ctx, owner, account, sentence, frame)
            if named is not None and named not in owners:
                owners.append(named)
    if subject is None:
        return
    entity, name, name_span = subject
    key = _entity_key(entity)
    if P.SERIES.search(frame):
        draft = _new_draft(ctx, entity, name, name_span, sentence, _platform(frame), *(_cue_text(sentence, frame)))
        draft.series = True
        draft.ordinal = 1
        if date_found:
            draft.posted, draft.date_found = date_value, True
        return
    shared = P.REPOST.search(frame)
    # "The post was widely shared": the passive names no one who shared it
    # "retweeted"/"reposted" always share someone's post; "shared" only a post named as one
    repost = shared is not None and bool(
        shared.group().lower().startswith("re") or P.POST_NOUN.search(frame) or _BOTH.search(frame)) \
        and not _PASSIVE_BEFORE.search(frame, max(shared.start() - 24, 0), shared.start())
    is_quote_post = bool(P.QUOTE_POST.search(frame))
    if repost or is_quote_post:
        targets = _repost_targets(ctx, resolver, sentence, frame, owners, entity)
        if not targets:
            return
        for poster, poster_name, poster_span in _coordinated(resolver, sentence, entity, name, name_span):
            for target in targets:
                draft = _new_draft(ctx, poster, poster_name, poster_span, sentence,
                                   _platform(frame) or target.platform, *(_cue_text(sentence, frame)))
                draft.platform_inferred = _platform(frame) is None
                if date_found:
                    draft.posted, draft.date_found = date_value, True
                kind = "quote" if is_quote_post else "repost"
                ctx.relations.append(_relation_value(draft.key, target.key, kind, ctx.text[sentence.start:sentence.end],
                                                     (sentence.start, sentence.end)))
        return
    main = _without_relative_clauses(frame)
    posty = bool(P.PARAPHRASE_POST.search(main) or P.SAME_POST.search(main) or P.POST_CHANNEL.search(main))
    if not posty and _answered(ctx, resolver, sentence, frame, entity) is None:
        platform = _platform(main) if P.ON_PLATFORM.search(main) else None
        if platform is not None and platform != "unspecified":
            ctx.on_platform[key] = (para, platform)
        return
    current = _context_post(ctx, entity, para)
    mentioned = owners[-1] if owners and P.MENTION_POST.search(frame) else None
    if mentioned is not None and current is not None and mentioned is not current and P.SAME_POST.search(frame):
        # "In his post, Shah referred to the embassy's tweet": the post already cited speaks of another
        _relation(ctx, sentence, current, mentioned, frame, "mention")
        return
    if P.SAME_POST.search(frame) and current:
        return
    if owners and current is not None:
        _relation(ctx, sentence, current, owners[-1], frame)
        return
    if current is not None and not current.fragments and (P.SAME_POST.search(frame) or current.para == para):
        return
    platform = _platform(frame)
    draft = _new_draft(ctx, entity, name, name_span, sentence, platform, *(_cue_text(sentence, frame)))
    if date_found:
        draft.posted, draft.date_found = date_value, True
    ctx.channel[key] = ("post", para)
    answered = _answered(ctx, resolver, sentence, frame, entity)
    if answered is not None and answered[0] is not draft:
        _relation(ctx, sentence, draft, answered[0], frame, answered[1])
    elif mentioned is not None and mentioned is not draft:
        _relation(ctx, sentence, draft, mentioned, frame, "mention")


def _answer_by_possessive(ctx: Context, resolver: Resolver, sentence: Sentence, frame: str, target: Draft) -> bool:
    """'The Embassy's statement came in response to Shah's post': the answering post is named
    by its author's possessive before the cue. A real statement (its author has no post in
    the context) answering a post is no post relation."""
    cue = P.RESPONSE.search(frame)
    if cue is None:
        return False
    owner = P.ANSWERING_OWNER.match(frame[: cue.start()])
    if owner is None:
        return False
    entity = resolver.resolve(owner.group("np"), sentence.para, sentence.start + owner.start("np"))
    source = _context_post(ctx, entity, sentence.para) if entity is not None else None
    if source is None or source is target:
        return False
    _relation(ctx, sentence, source, target, frame)
    return True


def _without_relative_clauses(frame: str) -> str:
    """', who is among the most followed politicians on X,' blanked: it describes, it cites nothing."""
    if "wh" not in frame:
        return frame  # no "who", "which" or "whose"
    return _RELATIVE_CLAUSE.sub(lambda m: " " * len(m.group()), frame)


def _latest_post_of(ctx: Context, entity: Entity) -> Draft | None:
    key = _entity_key(entity)
    for draft in _recent(ctx.drafts, LOOKBACK_POSTS):
        if _draft_key(draft) == key:
            return draft
    return None


def _repost_targets(ctx: Context, resolver: Resolver, sentence: Sentence, frame: str, owners: list[Draft],
                    entity: Entity) -> list[Draft]:
    if owners:
        return owners
    ordinal = _NTH_POST.search(frame)
    others = [d for d in ctx.drafts[-LOOKBACK_POSTS:] if d.actor != entity.actor or entity.actor is None]
    if ordinal:
        wanted = P.ORDINALS[ordinal.group(1).lower()]
        series = [d for d in others if d.ordinal or d.series]
        if len(series) >= wanted:
            return [series[wanted - 1]]
    if P.BOTH.search(frame):
        return [d for d in others if d.para >= sentence.para - CONTEXT_PARAGRAPHS][-2:]
    recent = [d for d in others if d.para >= sentence.para - CONTEXT_PARAGRAPHS]
    return recent[-1:] if recent else []


def _clause_subject(ctx: Context, resolver: Resolver, frame: str,
                    protect: list[Span]) -> tuple[str, int, str] | None:
    """Without a speech verb ('In a series of posts on X, the high commission set out ...'): the
    first account-like phrase opening the main clause."""
    for offset, chunk in _clauses(frame, protect):
        stripped = chunk.strip()
        if not stripped or P.LEADING_ADVERBIAL.match(stripped):
            continue
        lead = len(chunk) - len(chunk.lstrip())
        words = stripped.split()[:8]
        if not ctx.registry.may_name(words):
            return None
        names = normalised_prefixes(words)  # what lookup_name compares, for each candidate
        # "the embassy": the noun after the article, as DETERMINER.sub and normalise_name leave it
        nouns = normalised_prefixes(words[1:]) if words[0].lower() == "the" else []
        for size in range(len(words), 0, -1):
            known = names[size - 1] in ctx.registry.by_name
            if not known and nouns and size > 1:
                bare = nouns[size - 2]
                known = bare in ctx.registry.by_noun or bare in ctx.registry.by_title
            if known:
                return " ".join(words[:size]), offset + lead, ""
        return None
    return None


def _titled_person(frame: str) -> tuple[str, int, str] | None:
    """'Australian High Commissioner Philip Green also joined in, ...': a titled person outside the
    registry opening the sentence, so that a later 'he' finds him."""
    lead = len(frame) - len(frame.lstrip())
    name = P.NAME_PHRASE.match(frame, lead)
    if name is None or not P.PERSON_WORDS.search(name.group(1)):
        return None
    words = name.group(1).split()
    rest = frame[name.end():].split()
    if not 2 <= len(words) <= 8 or not rest or not rest[0][:1].islower() or not words[-1][:1].isupper():
        return None
    return name.group(1), name.start(1), ""


def _subject(ctx: Context, resolver: Resolver, sentence: Sentence,
             frame: str) -> tuple[Entity, str, Span] | None:
    """The subject of a sentence without quotes: the speaker phrase before its main verb."""
    protect = [(a, b) for a, b, _ in ctx.registry.find_names(frame)]
    found = _speaker_before(frame.rstrip(" ."), protect) or _clause_subject(ctx, resolver, frame, protect) \
        or _titled_person(frame)
    if found is None:
        return None
    np, offset, _verb = found
    clean = _clean_np(np)
    if not clean or len(clean.split()) > 12:
        return None
    entity = resolver.resolve(clean, sentence.para, sentence.start + offset)
    if entity is None:
        return None
    local = frame.find(clean, offset)
    begin = sentence.start + max(local, 0)
    span = (begin, begin + len(clean)) if local >= 0 else (sentence.start, sentence.start)
    stands_in = clean.lower() in P.PRONOUNS or P.DOCUMENT_AS_SPEAKER.match(clean) or P.POST_AS_SPEAKER.match(clean)
    name = entity.name if stands_in else clean
    return entity, name, span


# Whether a frame can answer or quote-post an earlier post at all.
_ANSWER_CUES: Final = P.AnyOf(P.QUOTE_POST, P.RESPONSE, P.BARE_REPLY)


def _answered(ctx: Context, resolver: Resolver, sentence: Sentence, frame: str,
              speaker: Entity | None) -> tuple[Draft, str] | None:
    """The earlier post a sentence answers or quote-posts, with the relation type.

    'In response to the MEA's post', 'Replying to Modi', 'thanked Modi in a reply',
    'quote-posted the minister's message', 'shared Modi's message ... with a note'. The target
    must be a post already cited: a post answering a speech or a call is no post relation.
    """
    if not _ANSWER_CUES.possible(frame):
        return None
    speaker_key = _entity_key(speaker) if speaker is not None else None
    quote_post = P.QUOTE_POST.search(frame)
    if quote_post is not None:
        for match in P.POSSESSIVE_POST.finditer(frame):
            owner = resolver.resolve(match.group("owner"), sentence.para, sentence.start + match.start())
            target = _post_of_owner(ctx, owner, match, sentence, frame) if owner is not None and (
                speaker_key is None or _entity_key(owner) != speaker_key) else None
            if owner is not None and target is not None and (speaker_key is None or _entity_key(owner) != speaker_key):
                return target, "quote"
        others = [d for d in ctx.drafts[-LOOKBACK_POSTS:] if _draft_key(d) != speaker_key]
        if others and sentence.para - others[-1].para <= CONTEXT_PARAGRAPHS:
            return others[-1], "quote"
        return None
    response = P.RESPONSE.search(frame)
    if response is None:
        bare = P.BARE_REPLY.search(frame)
        if bare is None:
            return None
        # "Modi replied on X": the latest post by someone else is the one answered
        others = [d for d in ctx.drafts[-LOOKBACK_POSTS:] if _draft_key(d) != speaker_key]
        if others and sentence.para - others[-1].para <= 1:
            return others[-1], ("reply" if P.REPLY_WORDS.search(bare.group()) else "response")
        return None
    match = response
    target_np = match.group("thanked") if match.groupdict().get("thanked") else None
    position = sentence.start + match.end()
    owner = None
    if target_np is None:
        tail = frame[match.end(): match.end() + 120]
        np = P.NAME_PHRASE.match(tail)
        target_np = np.group(1) if np else None
        if not target_np or target_np.strip().lower() == "the":
            owner = _noun_phrase_entity(resolver, tail, sentence.para, position)
            target_np = None
    if target_np:
        target_np = _POSSESSIVE_END.split(target_np)[0].strip()
        owner = resolver.resolve(target_np, sentence.para, position)
    if owner is None or (speaker_key is not None and _entity_key(owner) == speaker_key):
        return None
    target = _latest_post_of(ctx, owner)
    if target is None:
        # "Responding to Modi's post on X, ...": the post answered is cited here for the first time
        rest = frame[match.end():]
        named = P.POSSESSIVE_POST.match(frame, match.end() + len(rest) - len(rest.lstrip()))
        if named is None:
            return None
        target = _post_of_owner(ctx, owner, named, sentence, frame)
        if target is None:
            return None
    return target, ("reply" if P.REPLY_WORDS.search(match.group()) else "response")


def _noun_phrase_entity(resolver: Resolver, tail: str, para: int, position: int) -> Entity | None:
    """'the embassy later in the day': the longest 'the ...' prefix that names a known entity."""
    words = _THE_NOUNS.match(tail)
    if words is None:
        return None
    parts = words.group(1).split()
    for size in range(len(parts), 0, -1):
        noun = " ".join(parts[:size])
        if resolver.by_noun(noun, position) is not None or resolver.ctx.registry.with_title(noun):
            return resolver.resolve("the " + noun, para, position)
    return None


def _coordinated(resolver: Resolver, sentence: Sentence, entity: Entity, name: str,
                 span: Span) -> list[tuple[Entity, str, Span]]:
    """'The HMO and the NCB reposted ...': one poster per conjunct that names an account."""
    parts = _AND.split(name)
    if len(parts) < 2:
        return [(entity, name, span)]
    found = []
    offset = span[0]
    for part in parts:
        local = name.find(part)
        if resolver.registry_head(part.strip()) is None:
            return [(entity, name, span)]
        person = resolver.resolve(part, sentence.para, offset + local)
        if person is None:
            return [(entity, name, span)]
        found.append((person, part.strip(), (offset + local, offset + local + len(part))))
    return found


def _relation(ctx: Context, sentence: Sentence, source: Draft, target: Draft, frame: str,
              kind: str | None = None) -> None:
    if kind is None:
        kind = "reply" if P.REPLY_WORDS.search(frame) else "response"
        if P.QUOTE_POST.search(frame):
            kind = "quote"
        elif kind == "response" and not P.RESPONSE.search(frame) and P.MENTION_POST.search(frame):
            kind = "mention"  # "..., citing the embassy's post": spoken of, not answered
    if any(r.source == source.key and r.target == target.key for r in ctx.relations[-LOOKBACK_POSTS:]):
        return
    ctx.relations.append(_relation_value(source.key, target.key, kind, ctx.text[sentence.start:sentence.end],
                                         (sentence.start, sentence.end)))
    if source.platform is None and target.platform:
        source.platform, source.platform_inferred = target.platform, True


def _resolve_day_after(ctx: Context, by_key: dict[str, Draft]) -> None:
    """'A day later, Modi replied': the day after the post answered, else after the previous post."""
    for index, draft in enumerate(ctx.drafts):
        if draft.posted != "+1":
            continue
        anchor = next((by_key[r.target] for r in ctx.relations if r.source == draft.key and r.target in by_key), None)
        if anchor is None:
            anchor = next((d for d in reversed(ctx.drafts[:index]) if d.posted and len(d.posted) == 10), None)
        if anchor is not None and anchor.posted and len(anchor.posted) == 10:
            day = dt.date.fromisoformat(anchor.posted) + dt.timedelta(days=1)
            draft.posted = day.isoformat()
        else:
            draft.posted = None  # the text dates it only relative to something undated


def _finish(ctx: Context, base: dt.date | None) -> list[PostRef]:
    """Dates from context and relations, platform defaults, then frozen PostRefs."""
    by_key = {d.key: d for d in ctx.drafts}
    for draft in ctx.drafts:
        if not draft.date_found:
            entity_date = _entity_date(ctx, draft)
            if entity_date is not None:
                draft.posted, draft.date_found = entity_date, True
    _resolve_day_after(ctx, by_key)
    for relation in ctx.relations:
        source, target = by_key.get(relation.source), by_key.get(relation.target)
        if source is None or target is None:
            continue
        if not source.date_found and target.posted:
            source.posted, source.date_found = target.posted, True
        if not target.date_found and source.posted:
            target.posted, target.date_found = source.posted[:7], True
        if source.platform is None and target.platform:
            source.platform, source.platform_inferred = target.platform, True
    posts = []
    for draft in ctx.drafts:
        if not draft.date_found and ctx.lead is not None:
            government, value = ctx.lead
            actor = ctx.registry.get(draft.actor)
            if government == "*" or (actor is not None and actor.government == government):
                draft.posted, draft.date_found = value, True
        if not draft.date_found and base is not None:
            draft.posted = month_of(base)
        platform = draft.platform
        inferred = draft.platform_inferred
        if platform is None:
            platform, inferred = _speaker_platform(ctx, draft)
        fragments = tuple(_trim(ctx.text, s, e) for s, e in draft.fragments)
        quote = tuple(ctx.text[s:e] for s, e in fragments if e > s)
        spans = tuple(f for f in fragments if f[1] > f[0])
        if draft.embed_text and (not quote or len(draft.embed_text) > len(" ".join(quote))):
            quote, spans = (draft.embed_text,), ()  # the prose quotes only part of the embedded post
        posts.append(_frozen(PostRef, {  # PostRef(...) without its per-field __setattr__
            "key": draft.key, "actor": draft.actor, "actor_name": draft.actor_name, "platform": platform,
            "quote": quote, "quote_spans": spans, "paraphrase": not quote, "posted": draft.posted,
            "cue": draft.cue, "cue_span": draft.cue_span,
            "sentence": (draft.evidence if draft.evidence is not None
                         else ctx.text[draft.sentence_span[0]:draft.sentence_span[1]]),
            "sentence_span": draft.sentence_span, "status_id": draft.status_id, "url": draft.url,
            "platform_inferred": inferred, "truncated": draft.truncated, "confidence": round(draft.confidence, 2),
            "actor_span": draft.actor_span, "embed_kind": draft.embed_kind, "embed_text": draft.embed_text,
        }))
    return posts


def _frozen(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the frozen dataclass ``cls`` holding ``values``, which name every field: what
    the generated ``__init__`` builds, without its ``object.__setattr__`` per field, and compiled
    with the extractor (that ``__init__`` is Python run by the interpreter: a PostRef has twenty
    fields). tests/test_models.py checks the result equals the ``__init__``'s."""
    made: T = object.__new__(cls)
    made.__dict__.update(values)
    return made


def _relation_value(source: str, target: str, kind: str, evidence: str, span: Span) -> Relation:
    return _frozen(Relation, {"source": source, "target": target, "type": kind, "evidence": evidence, "span": span})


def _speaker_platform(ctx: Context, draft: Draft) -> tuple[str, bool]:
    for other in _recent(ctx.drafts, LOOKBACK_POSTS):
        if other is not draft and other.platform and other.actor == draft.actor and draft.actor:
            return other.platform, True
    return "unspecified", False


def _entity_date(ctx: Context, draft: Draft) -> str | None:
    key = _draft_key(draft)
    window = ctx.entities[max(0, draft.entity_index - LOOKBACK_ENTITIES): draft.entity_index + 20]
    for entity in reversed(window):
        if entity.position > draft.sentence_span[1] or entity.date is None:
            continue
        if _entity_key(entity) == key and draft.para - entity.date_para <= CONTEXT_PARAGRAPHS:
            return entity.date
    return None


def _trim(text: str, start: int, end: int) -> Span:
    """Drop the trailing comma and spaces a quote carries before its closing mark."""
    while end > start and text[end - 1] in " ,\u00a0\t":
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _mentions(ctx: Context, posts: list[PostRef]) -> list[Mention]:
    """Accounts a post names: @handles and registry names inside its quoted text."""
    out: list[Mention] = []
    for post in posts:
        seen: set[str] = set()
        for start, end in post.quote_spans:
            chunk = ctx.text[start:end]
            for match in P.HANDLE.every(chunk) if "@" in chunk else []:  # most quotes name no handle
                actor = ctx.registry.get(match.group("handle"))
                handle = actor.handle if actor else match.group("handle")
                if handle.lower() == (post.actor or "").lower() or handle in seen:
                    continue
                seen.add(handle)
                out.append(_frozen(Mention, {"post": post.key, "actor": handle, "actor_name": match.group(),
                                             "span": (start + match.start(), start + match.end())}))
            for s, e, actor in ctx.registry.find_names(chunk):
                if actor.handle == post.actor or actor.handle in seen:
                    continue
                if P.DESCRIPTOR_AFTER.match(chunk[e:]):
                    continue
                seen.add(actor.handle)
                out.append(_frozen(Mention, {"post": post.key, "actor": actor.handle, "actor_name": chunk[s:e],
                                             "span": (start + s, start + e)}))
    return out
