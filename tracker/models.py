"""Plain frozen values that the pipeline stages hand each other.

No stage passes parser objects or database rows to another: page turns bytes into an
``Article``; extract turns an ``Article`` into an ``Extraction`` of ``PostRef``,
``Relation`` and ``Mention`` values; store writes those. Character spans are always
``(start, end)`` offsets into ``Article.text`` (end exclusive) unless a field says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Span = tuple[int, int]

PLATFORMS = (
    "x",
    "truth_social",
    "facebook",
    "instagram",
    "threads",
    "weibo",
    "wechat",
    "telegram",
    "bluesky",
    "youtube",
    "unspecified",
)

RELATION_TYPES = ("reply", "response", "repost", "quote", "mention")


@dataclass(frozen=True)
class Actor:
    """One account of the registry (seeds/actors.csv)."""

    handle: str
    platform: str
    display_name: str
    aliases: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    nouns: tuple[str, ...] = ()
    government: str = ""
    kind: str = ""
    parent: str | None = None
    pronoun: str = "it"  # he | she | it | they: how articles refer back to the account
    # whether the account is a person's: set from the pronoun, a plain attribute (a property would be
    # a Python call each time the compiled extractor asks, some thousand times per hundred articles)
    is_person: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_person", self.pronoun in ("he", "she"))


@dataclass(frozen=True)
class EmbeddedPost:
    """A post embedded in an HTML page (widget, iframe, placeholder or status link).

    ``offset`` is the character offset of the embed's markup in the decoded HTML: the
    evidence for a post that the prose never quotes.
    """

    platform: str
    kind: str  # blockquote | amp | iframe | link | text
    status_id: str | None = None
    url: str | None = None
    handle: str | None = None
    author_name: str | None = None
    text: str | None = None
    posted: str | None = None  # YYYY-MM-DD
    markup: str = ""  # a short excerpt of the markup that carried it
    offset: int = 0


@dataclass(frozen=True)
class Article:
    """One news article, from a text file, a JSONL line or an HTML page.

    ``text`` is the body as paragraphs separated by blank lines; every span refers to it.
    """

    id: str
    text: str
    source: str = ""  # path or URL it came from
    url: str | None = None
    title: str | None = None
    outlet: str | None = None
    published: str | None = None  # YYYY-MM-DD
    authors: tuple[str, ...] = ()
    language: str | None = None
    embeds: tuple[EmbeddedPost, ...] = ()
    content_hash: str = ""
    html: bool = False  # read from an HTML page (its embeds found in the markup)


@dataclass(frozen=True)
class PostRef:
    """One post cited by one article, with the evidence for every field."""

    key: str  # local to the article: p1, p2, ...
    actor: str | None  # registry handle, or None for a poster outside the registry
    actor_name: str | None  # the name as the article writes it
    platform: str
    quote: tuple[str, ...] = ()  # verbatim fragments, in order
    quote_spans: tuple[Span, ...] = ()
    paraphrase: bool = False
    posted: str | None = None  # YYYY-MM-DD or YYYY-MM
    cue: str | None = None
    cue_span: Span | None = None
    sentence: str = ""  # the evidence sentence (the cue's sentence)
    sentence_span: Span = (0, 0)
    status_id: str | None = None
    url: str | None = None
    platform_inferred: bool = False
    truncated: bool = False
    confidence: float = 1.0
    actor_span: Span | None = None
    embed_kind: str | None = None  # set when the post is embedded in the page
    embed_text: str | None = None  # the post's full text as the embed shows it

    @property
    def text(self) -> str:
        """The best known text: the embed's full text, unless the prose quotes more of the post."""
        quoted = " ".join(self.quote)
        if self.embed_text and len(self.embed_text) >= len(quoted):
            return self.embed_text
        return quoted

    @property
    def granularity(self) -> str | None:
        if not self.posted:
            return None
        return "day" if len(self.posted) == 10 else "month"


@dataclass(frozen=True)
class Relation:
    """``source`` answers, reposts, quotes or mentions ``target`` (post keys of one article)."""

    source: str
    target: str
    type: str
    evidence: str = ""
    span: Span = (0, 0)


@dataclass(frozen=True)
class Mention:
    """An account named inside a post's text."""

    post: str
    actor: str | None
    actor_name: str
    span: Span = (0, 0)


@dataclass(frozen=True)
class Extraction:
    article: Article
    posts: tuple[PostRef, ...] = ()
    relations: tuple[Relation, ...] = ()
    mentions: tuple[Mention, ...] = ()
