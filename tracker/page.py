"""Page stage: HTML bytes -> ``Article`` with the posts embedded in the page.

Three jobs, kept apart because they fail differently:

1. ``decode_html``: bytes -> text. Declared charsets are often wrong (a UTF-8 page served as
   ISO-8859-1, a meta tag copied from a template), so a declaration is only believed when the
   bytes agree with it; charset-normalizer decides the rest. Binary data is refused.
2. The body: the article prose as paragraphs, for the prose extractor downstream. We find the
   element that holds most paragraph text (readability's scoring), then walk it and drop
   navigation, share/follow bars, related-story lists, comments and the embedded posts. The body
   keeps quote marks and paragraph boundaries: the prose extractor finds ``"...," X posted`` in it.
3. ``find_embeds``: the embedded posts. Main-text extractors drop them as boilerplate, so they are
   found by scanning the whole tree: widget blockquotes, ``amp-twitter``, platform iframes,
   placeholders holding the post URL in a data attribute, and status links in the article.

Everything runs on lxml directly: on the fixture pages BeautifulSoup only builds its tree at
30 pages/s, lxml parses 390 pages/s, and this whole stage runs above 100 pages/s
(benchmarks/bench_page.py). libxml2 bounds nesting depth (256, or 2048 with ``huge_tree``) and
every walk here is iterative, so a page nested 100,000 levels deep parses to a truncated tree
instead of raising ``RecursionError``.
"""

from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import lxml.etree
from charset_normalizer import from_bytes

from tracker.errors import PageError
from tracker.models import Article, EmbeddedPost

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

log = logging.getLogger(__name__)

# lxml ships no type information: its elements are ``Any`` here, named for the reader.
Element = Any

# ---------------------------------------------------------------------------------------------
# Data: limits, byte signatures, selectors and patterns. Each says what it covers and why.
# ---------------------------------------------------------------------------------------------

# Larger than any article page (the largest fixture is 1 MB) while still accepting a 20 MB page;
# above it we refuse rather than hold hundreds of MB of tree in memory.
MAX_HTML_BYTES = 32 * 1024 * 1024

# How much of the page the binary and charset checks read: enough to be representative, small
# enough that charset-normalizer stays in milliseconds on a 20 MB page.
SNIFF_BYTES = 64 * 1024
DETECT_BYTES = 512 * 1024

# Byte-order marks, longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# File signatures of formats that get saved with an .html name by mistake (compressed responses,
# images, PDFs, archives, executables): refused before any decoding is attempted.
BINARY_SIGNATURES = (
    b"\x1f\x8b",  # gzip (a compressed response saved as-is)
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"(\xb5/\xfd",  # zstd
    b"PK\x03\x04",  # zip, docx, epub
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"RIFF",  # WebP, WAV, AVI
    b"\x7fELF",
    b"MZ\x90\x00",  # Windows executable
    b"7z\xbc\xaf\x27\x1c",
    b"\x00\x00\x01\x00",  # ICO
    b"wOFF",
    b"wOF2",
    b"OggS",
    b"\x1a\x45\xdf\xa3",  # Matroska / WebM
)

# Control bytes that never occur in text (tab, newline, form feed, carriage return and ESC do).
CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32)])

# Share of control bytes above which a sample is not text in any single-byte or UTF-8 encoding.
MAX_CONTROL_SHARE = 0.02

# Charset declared in the page itself: <meta charset>, <meta http-equiv content="...; charset=">
# and an XML declaration. Read from the first bytes only, where the HTML spec says it must be.
META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.()-]{2,40})"""
    rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_:.()-]{2,40})""",
    re.IGNORECASE,
)
CHARSET_SNIFF_BYTES = 4096

# Charset labels browsers treat as a superset (WHATWG Encoding standard): a page labelled
# ISO-8859-1 is decoded as windows-1252 by every browser, so its curly quotes survive.
CHARSET_SUPERSETS = {
    "ascii": "cp1252",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "tis_620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
}

# Code pages of DOS, old Macs, EBCDIC and Central Asian locales: charset-normalizer proposes them
# for short samples, but no web page uses them.
UNLIKELY_WEB_CHARSETS = frozenset({
    "cp437", "cp737", "cp775", "cp850", "cp852", "cp855", "cp856", "cp857", "cp858", "cp860", "cp861",
    "cp862", "cp863", "cp864", "cp865", "cp866", "cp869", "cp1006", "cp1125", "cp037", "cp273",
    "cp424", "cp500", "cp875", "cp1026", "cp1140", "hp_roman8", "ptcp154", "kz1048", "mac_cyrillic",
    "mac_greek", "mac_iceland", "mac_latin2", "mac_roman", "mac_turkish", "mac_arabic", "mac_farsi",
    "mac_croatian", "mac_romanian",
})

# UTF-8 read as windows-1252: "Ã©" for "é", "â€™" for "’". Many of these in a page decoded with
# a legacy charset mean the declaration was wrong.
MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u2018-\u201e\u2020-\u2122]|â€")

# Elements whose content is never article prose, and never an embedded post either.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "frame", "frameset",
    "object", "embed", "applet", "canvas", "video", "audio", "picture", "img", "map", "head",
    "title", "meta", "link", "base", "button", "select", "option", "textarea", "input", "label",
    "form", "dialog", "menu", "nav", "footer", "aside", "header", "figure", "amp-ad", "amp-embed",
})

# Elements whose content is code or markup, never text; skipped without a second look.
RAW_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "math", "head", "title",
                           "meta", "link", "base", "object", "embed", "applet", "canvas", "iframe",
                           "frame", "frameset", "select", "option", "textarea", "button", "input"})
# Tags of page furniture when an embed or a status link sits inside them.
FURNITURE_TAGS = frozenset({"nav", "footer", "header", "aside", "menu", "form", "dialog"})

# Block-level elements: their start and end close the paragraph being built, so two <p> (or a
# <p> and a following <div> of text) never merge into one paragraph.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
    "li", "dl", "dt", "dd", "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td",
    "th", "caption", "figure", "figcaption", "header", "footer", "nav", "aside", "hr", "address",
    "center", "details", "summary", "fieldset", "legend", "body", "html",
})

# Regions that are page furniture, not the article: navigation, headers and footers, sidebars,
# related-story and "read more" lists, share and follow bars, comments, cookie and newsletter
# boxes, ads, tag lists, author boxes. Matched against each class token and the id, split on
# "-" and "_" (so "article__footer" and "c-share-bar" match but "shared-content" does not).
BOILERPLATE_WORDS = frozenset({
    "nav", "navbar", "navigation", "menu", "menubar", "submenu", "breadcrumb", "breadcrumbs",
    "footer", "header", "masthead", "topbar", "sidebar", "rail", "widgets",
    "related", "relatedlinks", "recirc", "recirculation", "morestories", "moreon", "readmore",
    "alsoread", "recommended", "recommendations", "recommender", "trending", "popular",
    "mostread", "mostpopular", "mostviewed", "outbrain", "taboola", "teasers",
    "newsletter", "newsletters", "subscribe", "subscription", "signup", "promo", "promotion",
    "advert", "advertisement", "adslot", "ads", "ad", "dfp", "sponsored", "sponsor",
    "share", "sharing", "sharebar", "sharetools", "socialshare", "social", "follow", "followus",
    "comment", "comments", "disqus", "discussion", "cookie", "cookies", "consent", "gdpr",
    "paywall", "login", "tags", "taglist", "keywords", "byline", "authorbio", "bio",
    "copyright", "print", "toolbar", "tools", "modal", "popup", "overlay", "skip",
    "widget", "like", "likes", "jetpack", "sharedaddy", "reactions", "rating",
})
# Blocks that are not prose but may still cite a post: a photo credit linking the post the
# picture comes from ("Image: @WSig / Twitter") is a reference, its caption is no body text.
NOT_PROSE_WORDS = BOILERPLATE_WORDS | {
    "caption", "captions", "figcaption", "credit", "credits", "gallery", "slideshow", "carousel",
    "lightbox",
}
# Words that name furniture around links but also wrappers of embed widgets ("social-media",
# "widget", "article-header" with the lead embed): a platform's widget markup inside them is
# still the article's post.
WIDGET_WRAPPER_WORDS = frozenset({"social", "widget", "widgets", "header", "tools", "toolbar", "media"})
WIDGET_FURNITURE_WORDS = BOILERPLATE_WORDS - WIDGET_WRAPPER_WORDS
# The part of that vocabulary no site uses for its article column. Used before the article is
# known (to pick it), when "sidebar" or "widget" would still wrongly veto the column itself.
STRONG_FURNITURE_WORDS = frozenset({
    "comment", "comments", "disqus", "discussion", "related", "relatedlinks", "recirc",
    "recirculation", "outbrain", "taboola", "newsletter", "newsletters", "promo", "trending",
    "popular", "mostread", "mostpopular", "mostviewed", "recommended", "recommendations",
    "cookie", "cookies", "consent", "gdpr", "footer", "nav", "navbar", "navigation", "menu",
    "breadcrumb", "breadcrumbs", "jetpack", "sharedaddy",
})
# Two-word boilerplate names whose single words are too common alone ("more", "read", "also").
BOILERPLATE_PAIRS = frozenset({
    ("read", "more"), ("also", "read"), ("more", "stories"), ("more", "on"), ("most", "read"),
    ("most", "popular"), ("you", "may"), ("author", "bio"), ("author", "box"), ("related", "posts"),
    ("site", "header"), ("site", "footer"), ("social", "links"), ("top", "stories"),
})
CLASS_SPLIT = re.compile(r"[-_\s:.]+|(?<=[a-z])(?=[A-Z])")  # also camelCase: "relatedLinks"

# Class or id of an element that is itself an embed container ("social-embed", "embed--twitter",
# "tweet-container"): never furniture, even though "social" alone would say so.
EMBED_CONTAINER = re.compile(r"embed|tweet|twitter|instagram|instgrm|bluesky|threads|truth|fb-post", re.I)

# Readability's class weights for choosing the article container.
POSITIVE_CLASS = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|prose|rich", re.I)
NEGATIVE_CLASS = re.compile(
    r"-ad-|banner|combx|comment|com-|contact|foot|footnote|gdpr|masthead|media|meta|outbrain|"
    r"promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|"
    r"teaser|recirc|trending|newsletter|cookie|nav|menu", re.I)

# Paragraphs that are furniture by their wording: "ALSO READ | ...", "Read more: ...", share
# prompts, ad labels, sign-up pleas. Only applied to short paragraphs (see BOILERPLATE_PHRASE_MAX).
BOILERPLATE_PHRASE = re.compile(
    # Only decorations may come first ("► Read more", "| ALSO READ"): a paragraph opening with a
    # quote mark is someone speaking ("“Sign up now,” the minister said").
    r"^[\s|•►▶»>*#_-]*(?:"
    r"also\s+read|read\s+(?:more|also|next|the\s+full)|more\s+on\s+this|see\s+also\s*:|"
    r"related\s*(?::|stories|articles|coverage|reading|links|content|topics)|recommended(?:\s+for\s+you)?\s*:|"
    r"advertisement|sponsored|share\s*(?:this|on|via|:)|follow\s+(?:us|@|\w+\s+on)|sign\s+up|subscribe|"
    r"click\s+here|don['’]t\s+miss|must\s+read|trending\s*:|you\s+may\s+also|"
    r"lesen\s+sie\s+(?:auch|mehr)|mehr\s+zum\s+thema|auch\s+interessant|lire\s+aussi|[àa]\s+lire\s+aussi|"
    r"leggi\s+anche|lee\s+tambi[ée]n|te\s+puede\s+interesar|leia\s+tamb[ée]m|czytaj\s+te[żz]|"
    r"(?:tweet|post)\s+may\s+have\s+been\s+deleted|this\s+(?:post|tweet)\s+is\s+unavailable|"
    r"view\s+(?:this\s+)?(?:post|tweet)\s+on|opens\s+in\s+a\s+new\s+(?:tab|window)|"
    r"cookies?\s+(?:policy|settings)|privacy\s+policy|all\s+rights\s+reserved|©|copyright\s+©?\s*\d{4}|"
    r"for\s+more\s+(?:stories|news|articles|updates)\s+like\s+this|get\s+in\s+touch\s+with\s+our"
    r")(?!\w)",  # whole words: "Subscribers to the service were told" is prose
    re.IGNORECASE,
)
BOILERPLATE_PHRASE_MAX = 300

# A paragraph made almost only of link text (a list of headlines, "Tags: a, b, c") is not prose;
# one naming its source ("<a>Financial Times</a> reported:") is, so the bar is high.
MAX_LINK_DENSITY = 0.9
MAX_LINKED_PARAGRAPH = 200

# Climbing from the voted container: at most this many levels per step, and only to an
# ancestor holding this many times its paragraph text (the rest of the article, not a sidebar).
CLIMB_LEVELS = 4
CLIMB_RATIO = 1.4

# A <p> shorter than this says too little to vote for its container (bylines, captions).
MIN_PARAGRAPH_CHARS = 25
# Bounds on the work for huge pages (a 20 MB page has 200,000 paragraphs): the first paragraphs
# decide the container, votes reach this far up, and the body stops at this length (the
# longest real articles are under 200,000 characters).
MAX_VOTING_PARAGRAPHS = 3000
MAX_VOTE_LEVELS = 40
MAX_BODY_CHARS = 1_000_000
# More distinct posts than this in one page is a generated page, not an article citing posts.
MAX_POSTS = 500

# Article types in JSON-LD whose fields describe the page's article.
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "techarticle", "scholarlyarticle", "report", "webpage", "videoobject",
})
# JSON-LD bigger than this is not metadata (some sites inline whole archives); skipped.
MAX_JSON_LD_CHARS = 4 * 1024 * 1024

# Meta tags carrying the publication date, most reliable first.
DATE_META_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time", "published_time",
    "article:published", "datecreated", "pdate",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "date",
    "dc.date", "dc.date.issued", "dcterms.date", "dcterms.issued", "dcterms.created",
    "parsely-pub-date", "sailthru.date", "article.published", "cxenseparse:recs:publishtime",
)
# "By Jamelle Bouie" in a byline meta tag: the name is what follows.
BYLINE_PREFIX = re.compile(r"^\s*(?:by|von|por|par|di|door)\s+", re.IGNORECASE)
AUTHOR_META_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                    "byl", "twitter:creator")

# ---- posts: URL shapes per platform ------------------------------------------------------------

# A post URL at the start of an attribute value or anywhere in text; the look-behind keeps
# "vox.com/..." and "netflix.com/..." from reading as x.com.
_URL_START = r"(?<![\w.@/-])(?:https?:)?(?://)?(?:www\.|mobile\.|m\.|web\.)?"
X_STATUS = re.compile(
    _URL_START + r"(?:twitter|x|fxtwitter|vxtwitter|fixupx|fixvx)\.com/(?:#!/)?"
    r"(?:(?P<handle>i/web|i|[A-Za-z0-9_]{1,30})/)?status(?:es)?/(?P<id>\d{5,25})",  # "twitter.com/statuses/ID" too
    re.IGNORECASE,
)
INSTAGRAM_POST = re.compile(
    _URL_START + r"instagram\.com/(?:(?P<handle>[A-Za-z0-9_.]{1,30})/)?(?:p|reel|reels|tv)/(?P<id>[A-Za-z0-9_-]{5,40})",
    re.IGNORECASE,
)
FACEBOOK_POST = re.compile(
    _URL_START + r"facebook\.com/(?:"
    r"(?P<handle>[A-Za-z0-9.\-]{2,80})/(?:posts|videos|photos/[\w.]+)/(?:[\w.%-]+/)?(?P<id>pfbid\w+|\d{5,25})"
    r"|(?:permalink|story)\.php\?(?:[^\s\"'<>]*?&(?:amp;)?)?story_fbid=(?P<id2>pfbid\w+|\d{5,25})"
    r"(?:&(?:amp;)?id=(?P<handle2>\d+))?"
    r"|watch/?\?v=(?P<id3>\d{5,25}))",
    re.IGNORECASE,
)
THREADS_POST = re.compile(
    _URL_START + r"threads\.(?:net|com)/@(?P<handle>[A-Za-z0-9_.]{1,40})/post/(?P<id>[A-Za-z0-9_-]{5,40})",
    re.IGNORECASE,
)
TRUTH_POST = re.compile(
    _URL_START + r"truthsocial\.com/@(?P<handle>[A-Za-z0-9_]{1,40})/(?:posts/)?(?P<id>\d{6,25})",
    re.IGNORECASE,
)
BLUESKY_POST = re.compile(
    _URL_START + r"bsky\.app/profile/(?P<handle>[A-Za-z0-9_.:-]{1,253})/post/(?P<id>[a-z0-9]{5,20})"
    r"|at://(?P<handle2>did:[a-z]+:[A-Za-z0-9._:%-]+|[A-Za-z0-9_.-]+)/app\.bsky\.feed\.post/(?P<id2>[a-z0-9]{5,20})",
    re.IGNORECASE,
)
YOUTUBE_POST = re.compile(
    _URL_START + r"youtube\.com/(?:post/|channel/[\w-]+/community\?lb=|@[\w.-]+/community\?lb=)(?P<id>Ug[\w-]{10,40})",
    re.IGNORECASE,
)
POST_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("x", X_STATUS),
    ("instagram", INSTAGRAM_POST),
    ("facebook", FACEBOOK_POST),
    ("threads", THREADS_POST),
    ("truth_social", TRUTH_POST),
    ("bluesky", BLUESKY_POST),
    ("youtube", YOUTUBE_POST),
)
# Cheap test before the patterns above: does a string mention a platform host at all?
PLATFORM_HOST = re.compile(
    r"twitter\.com|x\.com|fxtwitter|vxtwitter|fixupx|fixvx|instagram\.com|facebook\.com|threads\.(?:net|com)|"
    r"truthsocial\.com|bsky\.app|app\.bsky|youtube\.com/(?:post|channel|@)", re.IGNORECASE)
# Links to a platform host (XPath, so the test of every link of a page stays in C).
PLATFORM_LINK_XPATH = lxml.etree.XPath(
    "//a[" + " or ".join(f"contains(@href, '{host}')" for host in (
        "twitter.", "x.com", "instagram.", "facebook.", "threads.", "truthsocial.", "bsky.",
        "youtube.", "fixupx.", "fixvx.")) + "]"
)

PLATFORM_WORDS = ("twitter.", "x.com", "instagram.", "facebook.", "threads.", "truthsocial.",
                  "bsky", "youtube.", "fixupx", "fixvx")

# Path segments that are platform pages, not accounts: "twitter.com/i/web/status/1" has no handle,
# and "twitter.com/X/status/1" is a placeholder some CMSs write when they do not know the author.
NOT_HANDLES = frozenset({"i", "i/web", "x", "intent", "share", "home", "search", "hashtag",
                         "sharer", "dialog", "plugins", "tr", "login", "watch", "profile"})

# Endpoints that share or follow: their query may carry a post URL, but they are buttons.
SHARE_ENDPOINT = re.compile(
    r"/intent/|/share\b|sharer|/dialog/|plugins/(?:like|share_button|follow|page)\.php|"
    r"addtoany|/submit\?|whatsapp|mailto:", re.IGNORECASE)

# Query parameters through which embed iframes and oEmbed proxies pass the post URL
# (platform.twitter.com/embed/Tweet.html?id=, cdn.iframe.ly/api/iframe?url=, twitframe.com/show?url=,
# facebook.com/plugins/post.php?href=).
EMBED_QUERY_KEYS = ("url", "href", "src", "link", "uri", "u")
TWEET_IFRAME = re.compile(r"platform\.twitter\.com/embed/|twitframe\.com|/embed/Tweet\.html", re.I)

# Attributes in which placeholders and embed scripts keep the post URL until JavaScript runs.
# The URL usually starts the value; inside it (JSON settings, an image proxy of the post like
# ".../socialembed/https://twitter.com/...") it counts too, unless the value is a share link.
PLACEHOLDER_ATTRS = (
    "data-href", "data-url", "data-oembed-url", "data-oembed", "data-src", "data-embed-url",
    "data-embed", "data-link", "data-permalink", "data-instgrm-permalink",
    "data-text-post-permalink", "data-bluesky-uri", "data-tweet-url", "data-post-url",
    "data-social-url", "data-iframely-url", "data-orig-url", "data-expanded-url", "data-uri",
    "data-lazy-src", "data-original", "cite",
)
# Other data-* names that may hold a post URL (embed settings as JSON, "data-social-link"...).
PLACEHOLDER_HINT = re.compile(r"url|href|src|link|embed|tweet|post|permalink|uri|social|oembed|config|props")
# data-* names of buttons and trackers: a post URL there is shared or counted, not embedded.
NOT_PLACEHOLDER_ATTR = re.compile(r"share|follow|intent|track|analytics|like|comment")
TWEET_ID_ATTRS = ("data-tweet-id", "data-tweetid", "data-tweet", "data-status-id")

# Elements whose source may be an embedded post (a platform's embed page, an oEmbed proxy).
FRAME_TAGS = ("iframe", "amp-iframe", "embed", "object", "frame")
FRAME_SOURCE_ATTRS = ("src", "data-src", "data-lazy-src", "data")

# Widget markup, by class token, per platform.
EMBED_BLOCKQUOTE_CLASSES = {
    "twitter-tweet": "x",
    "twitter-video": "x",
    "twitter-tweet-rendered": "x",
    "instagram-media": "instagram",
    "text-post-media": "threads",
    "bluesky-embed": "bluesky",
    "truthsocial-embed": "truth_social",
    "fb-xfbml-parse-ignore": "facebook",
}
EMBED_DIV_CLASSES = {"fb-post": "facebook", "fb-video": "facebook", "twitter-tweet": "x",
                     "twitter-tweet-rendered": "x", "instagram-media": "instagram",
                     "bluesky-embed": "bluesky", "text-post-media": "threads"}
WIDGET_CLASSES = tuple(sorted({*EMBED_BLOCKQUOTE_CLASSES, *EMBED_DIV_CLASSES}))
# Which of them a page uses: one pass over the source for their common endings (a pattern that
# starts with a literal is scanned fast; an alternation of whole names is ten times slower).
WIDGET_CLASS_ENDING = re.compile(r"-(?:tweet|video|media|embed|post|xfbml)[a-z-]*")
# The data-* attribute names a page uses (placeholders and widgets hold post URLs and ids there).
DATA_ATTRIBUTE = re.compile(r"data-[A-Za-z0-9_-]+")
AMP_TAGS = {"amp-twitter": "x", "amp-instagram": "instagram", "amp-facebook": "facebook",
            "amp-bluesky": "bluesky"}

# Which kind of occurrence describes a post best when several point at it.
KIND_RANK = {"blockquote": 0, "amp": 1, "iframe": 2, "link": 3, "text": 4}

# The signature line of a widget blockquote: "— Name (@handle) July 18, 2026". Bluesky writes
# "— Name (@handle.bsky.social)", Instagram "A post shared by Name (@handle)".
SIGNATURE = re.compile(
    r"\s*[—–-]\s*(?P<name>[^\n(]*?)\s*\(\s*@(?P<handle>[A-Za-z0-9_.:-]{1,100})\s*\)\s*(?P<rest>[^\n]*)$")
SHARED_BY = re.compile(
    r"(?:a\s+post\s+shared\s+by|posted\s+by|post\s+by|geteilt\s+von|publicación\s+compartida\s+por|"
    r"una\s+publicación\s+de)\s+(?P<name>[^(@\n]*?)\s*\(?@(?P<handle>[A-Za-z0-9_.]{1,40})\)?",
    re.IGNORECASE,
)
SHARED_BY_PLATFORMS = frozenset({"instagram", "threads", "facebook"})
# Text of an image standing in for a post (BBC screenshots): "Twitter post by @AOC: text".
SCREENSHOT_ALT = re.compile(
    r"^\s*(?:twitter|x|instagram|facebook|threads|bluesky|truth\s+social)\s+post\s+by\s+@?(?P<handle>[\w.]{1,40})\s*:\s*(?P<text>.+)",
    re.IGNORECASE | re.DOTALL,
)
# What an embed shows when its post is gone or not loaded: a status id, but no post text.
FALLBACK_TEXT = re.compile(
    r"(?:tweet|post)\s+(?:may\s+have\s+been|has\s+been|was)\s+deleted|(?:tweet|post)\s+is\s+unavailable|"
    r"this\s+(?:post|tweet|content)\s+(?:is\s+)?(?:no\s+longer\s+)?(?:unavailable|available)|"
    r"view\s+(?:this\s+)?(?:post|tweet)\s+on|see\s+(?:this\s+)?(?:post|tweet)\s+on|"
    r"opens\s+in\s+a\s+new\s+(?:tab|window)|view\s+on\s+threads|loading\s+(?:tweet|post)|"
    r"^\s*(?:tweet|post)\s*$",
    re.IGNORECASE,
)

# Month names in the languages widget dates are written in (the embed's data-lang), including
# the genitive forms Czech and Polish use in dates. Values are month numbers.
MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate((
    "january jan januar jänner janvier enero gennaio janeiro januari ledna stycznia ocak styczeń",
    "february feb februar février fevrier febrero febbraio fevereiro februari února lutego şubat luty",
    "march mar märz maerz mars marzo março marco maart března marca mart maret marzec",
    "april apr avril abril aprile dubna kwietnia nisan kwiecień",
    "may mai mayo maggio maio mei května maja maj mayıs",
    "june jun juni juin junio giugno junho června czerwca haziran czerwiec",
    "july jul juli juillet julio luglio julho července lipca temmuz lipiec",
    "august aug août aout agosto augustus augusti srpna sierpnia ağustos agustus sierpień",
    "september sep sept septembre septiembre setiembre settembre setembro září września eylül wrzesień",
    "october oct oktober octobre octubre ottobre outubro října października ekim październik",
    "november nov novembre noviembre novembro listopadu listopada kasım listopad",
    "december dec dezember décembre decembre diciembre dicembre dezembro prosince grudnia aralık desember grudzień",
), start=1):
    for _name in _names.split():
        MONTH_NAMES.setdefault(_name, _number)
# Russian and Ukrainian (genitive, as dates write them) and Hindi.
for _number, _names in enumerate((
    "января січня जनवरी", "февраля лютого फ़रवरी फरवरी", "марта березня मार्च", "апреля квітня अप्रैल",
    "мая травня मई", "июня червня जून", "июля липня जुलाई", "августа серпня अगस्त",
    "сентября вересня सितंबर सितम्बर", "октября жовтня अक्तूबर अक्टूबर", "ноября листопада नवंबर नवम्बर",
    "декабря грудня दिसंबर दिसम्बर",
), start=1):
    for _name in _names.split():
        MONTH_NAMES.setdefault(_name, _number)

# Date shapes shown by widgets and bylines: "July 18, 2026", "25. September 2018",
# "16 de marzo de 2020", "2020年3月16日", "2024-04-25".
_MONTH_WORD = r"(?P<mon>[^\s\d,.()/:-]{3,15})\.?"  # not \w: Hindi vowel signs are not \w
TEXT_DATES = (
    re.compile(_MONTH_WORD + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})"),
    re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?" + _MONTH_WORD
               + r",?\s+(?:de\s+|del\s+)?(?P<year>\d{4})"),
)
ISO_DATE = re.compile(r"(?P<year>(?:19|20)\d{2})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})")
CJK_DATE = re.compile(r"(?P<year>\d{4})\s*[年년]\s*(?P<month>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})\s*[日일]")
COMPACT_DATE = re.compile(r"^(?P<year>(?:19|20)\d{2})(?P<month>[01]\d)(?P<day>[0-3]\d)(?:\D|$)")

# An embed's own JSON (WELT's {"url": ...} next to its oEmbed skeleton) is small; page state
# and other articles' HTML carried in JSON are large.
MAX_EMBED_JSON_CHARS = 4000

# Raw-text regions of the page source whose copies of a post id are not the embed itself.
RAW_TEXT_DELIMITERS = (("<script", "</script"), ("<style", "</style"), ("<!--", "-->"))
LINE_LIMIT = 65535  # libxml2 reports line numbers up to this value, then stops counting
# How far back from a post id its element's start tag, or an enclosing <script>, is looked for:
# enough for any real widget or inline JSON, and it keeps a 20 MB one-line page linear.
TAG_WINDOW = 200_000
RAW_TEXT_WINDOW = 4_000_000

# Start tags long enough to hold thousands of attributes (see _defuse_attribute_floods).
LONG_START_TAG = re.compile(r"<([A-Za-z][\w:-]{0,40})[^<>]{65536,}>")
MAX_ATTRIBUTES_PER_TAG = 10_000

WHITESPACE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
NEWLINES = re.compile(r"\s*\n\s*")


# ---------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------


def decode_html(data: bytes, declared_charset: str | None = None) -> str:
    """Decode a page, trusting a declared charset only when the bytes agree with it.

    Order: byte-order mark; the HTTP charset and then the page's own ``<meta charset>``, each
    checked (a declaration that fails to decode, or that yields UTF-8 mojibake, is overruled);
    valid UTF-8; charset-normalizer. Never raises for text; raises ``PageError`` for binary data.
    """
    if not data:
        return ""
    for bom, bom_encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(bom_encoding, errors="replace")
    utf16 = _utf16_without_bom(data[:SNIFF_BYTES])
    if utf16:
        return data.decode(utf16, errors="replace")
    _refuse_binary(data)

    try:
        as_utf8: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        as_utf8 = None
    # Valid UTF-8 with non-ASCII bytes is almost never a legacy encoding by accident, so it
    # overrules any declaration (the usual case: a UTF-8 page labelled ISO-8859-1).
    if as_utf8 is not None:
        return as_utf8

    for label in (declared_charset, _meta_charset(data)):
        encoding = _codec(label)
        if encoding is None or encoding == "utf_8":
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            log.debug("declared charset %s does not decode the page", label)
            continue
        if not _is_mojibake(text):
            return text
        log.debug("declared charset %s yields mojibake", label)

    # Mostly UTF-8 with a few stray bytes (a legacy fragment pasted into a UTF-8 template).
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    wide = sum(1 for ch in lenient[:200_000] if ord(ch) > 0x7F) - bad
    if wide > 0 and bad <= max(3, wide // 50):
        return lenient

    matches = from_bytes(data[:DETECT_BYTES])
    best = matches.best()
    if best is None or best.encoding is None:
        if _control_share(data[:SNIFF_BYTES]) > MAX_CONTROL_SHARE / 4:
            raise PageError("binary data, not HTML")
        return data.decode("cp1252", errors="replace")
    return data.decode(_web_charset(best.encoding, best.could_be_from_charset,
                                    [m.encoding for m in matches]), errors="replace")


def _web_charset(best: str, same_text: list[str], ranked: list[str]) -> str:
    """The charset a web page most plausibly used among charset-normalizer's answers.

    On short Western pages it hesitates between code pages that decode the bytes identically
    (cp1250 or cp1252 for "café") or picks a DOS code page no web server sends: prefer
    windows-1252, the most common legacy charset of the web, when it gives the same text,
    and skip code pages browsers never meet.
    """
    names = [_codec(name) or name for name in same_text]
    if "cp1252" in names:
        return "cp1252"
    for name in [best, *ranked]:
        codec = _codec(name)
        if codec and codec not in UNLIKELY_WEB_CHARSETS:
            return codec
    return "cp1252"


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label, widened the way browsers widen it."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name.replace("-", "_")
    except LookupError:
        return None
    return CHARSET_SUPERSETS.get(name, name)


def _meta_charset(data: bytes) -> str | None:
    match = META_CHARSET.search(data[:CHARSET_SNIFF_BYTES])
    if not match:
        return None
    raw = match.group(1) or match.group(2)
    return raw.decode("ascii", errors="ignore") if raw else None


def _is_mojibake(text: str) -> bool:
    hits = len(MOJIBAKE.findall(text[:200_000]))
    return hits >= 3


def _control_share(sample: bytes) -> float:
    if not sample:
        return 0.0
    return (len(sample) - len(sample.translate(None, CONTROL_BYTES))) / len(sample)


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 without a byte-order mark: every other byte of ASCII markup is NUL."""
    if len(sample) < 64 or sample.count(0) < len(sample) // 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even) and b"<" in even:
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd) and b"<" in odd:
        return "utf-16-be"
    return None


def _refuse_binary(data: bytes) -> None:
    head = data[:16]
    if any(head.startswith(signature) for signature in BINARY_SIGNATURES):
        raise PageError("binary data, not HTML")
    sample = data[:SNIFF_BYTES]
    # A stray NUL or two occurs in real pages; text never has one in every few hundred bytes.
    if sample.count(0) > max(8, len(sample) // 256) or _control_share(sample) > MAX_CONTROL_SHARE:
        raise PageError("binary data, not HTML")


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def _parse_tree(html: str) -> Element | None:
    """Parse with libxml2's HTML parser; retry deeper once when the page hits the depth limit."""
    # NUL ends a C string inside libxml2; one char for one char keeps every offset valid.
    data = _defuse_attribute_floods(html.replace("\x00", "\ufffd")).encode("utf-8", errors="replace")
    for huge in (False, True):
        # lxml.etree's parser, not lxml.html's: the latter looks up a Python class for every
        # element proxy, which cost a quarter of the time on 1 MB pages.
        parser = lxml.etree.HTMLParser(encoding="utf-8", huge_tree=huge, remove_pis=True,
                                       no_network=True, default_doctype=False)
        try:
            root = lxml.etree.fromstring(data, parser)
        except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
            raise PageError(f"unparsable HTML: {exc}") from exc
        too_deep = any("depth" in str(entry.message).lower() for entry in parser.error_log)
        if not too_deep:
            return root
        if huge:
            log.warning("markup nested deeper than libxml2's limit: the rest of the page is ignored")
            return root
        log.info("markup nested deeper than 256 levels: parsing again with the higher limit")
    return None  # pragma: no cover - the loop always returns


def _defuse_attribute_floods(html: str) -> str:
    """Blank out start tags with thousands of attributes, keeping every offset.

    libxml2 checks each new attribute against all earlier ones of its element: 50,000
    attributes on one tag take 3 s, a million would take hours. No real tag comes close.
    """
    if html.count("=") < MAX_ATTRIBUTES_PER_TAG:
        return html
    for match in reversed(list(LONG_START_TAG.finditer(html))):
        tag = match.group(0)
        if tag.count("=") > MAX_ATTRIBUTES_PER_TAG:
            name = match.group(1)
            log.warning("a <%s> tag with %d attributes: its attributes are ignored", name, tag.count("="))
            blank = "<" + name + " " * (len(tag) - len(name) - 2) + ">"
            html = html[:match.start()] + blank + html[match.end():]
    return html


def _root_of(html: str | Element | BeautifulSoup) -> tuple[str, Element | None]:
    """The HTML text and its tree, whatever form the caller holds the page in."""
    if isinstance(html, str):
        return html, _parse_tree(html)
    if lxml.etree.iselement(html):
        text = str(lxml.etree.tostring(html, encoding="unicode", method="html"))
    else:  # a BeautifulSoup tree (or anything else that prints as HTML)
        text = str(html)
    return text, _parse_tree(text)


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------


def parse_html(
    data: bytes,
    *,
    id: str,
    source: str = "",
    url: str | None = None,
    declared_charset: str | None = None,
) -> Article:
    """Turn one page into an ``Article``: metadata, the body as paragraphs, the embedded posts.

    Raises ``PageError`` (one line) for binary data, an empty or oversized page.
    """
    if len(data) > MAX_HTML_BYTES:
        raise PageError(f"page too large: {len(data)} bytes (limit {MAX_HTML_BYTES})")
    html = decode_html(data, declared_charset)
    if not html.strip():
        raise PageError("empty page")
    root = _parse_tree(html)
    if root is None:
        raise PageError("no HTML content")
    page = _Page(html, root)
    meta = _metadata(page, url)
    text = page.body_text()
    if len(text) < 200 and meta.article_body and len(meta.article_body) > len(text):
        # The HTML holds no prose we can find (a JavaScript shell): the JSON-LD copy is the body.
        text = _paragraphs_from_plain(meta.article_body)
    embeds = page.embeds(meta.article_body)
    return Article(
        id=id,
        text=text,
        source=source,
        url=meta.url or url,
        title=meta.title,
        outlet=meta.outlet,
        published=meta.published,
        authors=meta.authors,
        language=meta.language,
        embeds=embeds,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        html=True,
    )


def find_embeds(html: str | Element | BeautifulSoup) -> tuple[EmbeddedPost, ...]:
    """The posts embedded in a page, one per distinct (platform, status id), in page order.

    ``html`` is the decoded page (offsets refer to it), an lxml tree or a BeautifulSoup tree
    (both serialised first, so offsets then refer to that serialisation).
    """
    text, root = _root_of(html)
    if root is None:
        return ()
    page = _Page(text, root)
    return page.embeds(_json_ld_article_body(root))


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------


@dataclass
class _Meta:
    url: str | None = None
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    article_body: str | None = None


def _metadata(page: _Page, url: str | None) -> _Meta:
    root = page.root
    metas: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        if "&" in content:  # some CMSs escape twice: "Druck GmbH &amp;amp; Co. KG"
            content = html_lib.unescape(content)
        keys = " ".join(meta.get(a) or "" for a in ("property", "name", "itemprop", "http-equiv"))
        for key in keys.lower().split():
            metas.setdefault(key, content)
    ld = _json_ld_article(root)

    canonical = None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href").strip()
            break
    canonical = _absolute(canonical or metas.get("og:url") or _str(ld.get("url")) or url, url)

    title = metas.get("og:title") or _str(ld.get("headline")) or metas.get("twitter:title")
    if not title:
        h1 = next(root.iter("h1"), None)
        title = _clean(_text(h1)) if h1 is not None else None
    if not title:
        node = next(root.iter("title"), None)
        title = _clean(_text(node)) if node is not None else None

    publisher = ld.get("publisher")
    outlet = metas.get("og:site_name") or (
        _str(publisher.get("name")) if isinstance(publisher, dict) else None)
    if not outlet and (canonical or url):
        outlet = _host(canonical or url or "").removeprefix("www.") or None

    published = _date_value(_str(ld.get("datePublished")))
    if not published:
        for key in DATE_META_KEYS:
            published = _date_value(metas.get(key))
            if published:
                break
    if not published:
        for node in root.xpath("//*[@itemprop='datePublished'] | //time[@datetime]"):
            published = _date_value(node.get("content") or node.get("datetime"))
            if published:
                break

    authors = _ld_names(ld.get("author"))
    if not authors:
        for key in AUTHOR_META_KEYS:
            value = metas.get(key)
            if value and not value.startswith(("http", "@")):
                value = BYLINE_PREFIX.sub("", value)
                authors = tuple(a.strip() for a in re.split(r"\s*(?:,|\band\b|&)\s*", value) if a.strip())
                break

    html_el = root if root.tag == "html" else None
    language = (html_el.get("lang") if html_el is not None else None) or metas.get("content-language") \
        or _str(ld.get("inLanguage")) or metas.get("og:locale")
    body = _str(ld.get("articleBody"))
    return _Meta(
        url=canonical or None,
        title=_clean(title) if title else None,
        outlet=_clean(outlet) if outlet else None,
        published=published,
        authors=authors,
        language=language.strip() if language else None,
        article_body=body,
    )


def _absolute(candidate: str | None, base: str | None) -> str | None:
    """The canonical URL made absolute against the page's URL; the page's URL if it is unusable."""
    if not candidate:
        return base
    try:
        absolute = urljoin(base, candidate) if base else candidate
        return absolute if urlsplit(absolute).netloc else base
    except ValueError:  # "http://[broken" in a canonical tag
        return base


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _json_ld_objects(root: Element) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD, found without recursion."""
    for script in root.xpath("//script[@type='application/ld+json']"):
        raw = script.text or ""
        if not raw.strip() or len(raw) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                yield item
                stack.extend(v for k, v in item.items() if k in ("@graph", "mainEntity", "itemListElement")
                             or isinstance(v, list))
            elif isinstance(item, list):
                stack.extend(reversed(item))


def _json_ld_article(root: Element) -> dict[str, Any]:
    fallback: dict[str, Any] = {}
    for obj in _json_ld_objects(root):
        types = obj.get("@type")
        names = {t.lower() for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}
        if names & ARTICLE_TYPES and names != {"webpage"}:
            return obj
        if not fallback and ("datePublished" in obj or "articleBody" in obj):
            fallback = obj
    return fallback


def _json_ld_article_body(root: Element) -> str | None:
    return _str(_json_ld_article(root).get("articleBody"))


def _ld_names(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and not name.startswith("http"):
            clean = _clean(name)
            if clean not in names:
                names.append(clean)
    return tuple(names)


def _str(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if not isinstance(value, str) or not value.strip():
        return None
    # JSON-LD strings are often HTML-escaped twice ("Druck GmbH &amp; Co. KG").
    return html_lib.unescape(value).strip() if "&" in value else value.strip()


def _date_value(value: str | None) -> str | None:
    """YYYY-MM-DD from an ISO timestamp, a compact date or a written date; None otherwise."""
    if not value:
        return None
    value = value.strip()
    for pattern in (ISO_DATE, CJK_DATE, COMPACT_DATE):
        match = pattern.search(value) if pattern is not COMPACT_DATE else pattern.match(value)
        if match:
            return _ymd(match.group("year"), match.group("month"), match.group("day"))
    return parse_written_date(value)


def parse_written_date(text: str) -> str | None:
    """YYYY-MM-DD from a date as widgets write it, in several languages ("25. September 2018")."""
    for pattern in TEXT_DATES:
        for match in pattern.finditer(text):
            month = MONTH_NAMES.get(match.group("mon").lower())
            if month:
                return _ymd(match.group("year"), str(month), match.group("day"))
    numeric = CJK_DATE.search(text) or ISO_DATE.search(text)
    if numeric:
        return _ymd(numeric.group("year"), numeric.group("month"), numeric.group("day"))
    return None


def _ymd(year: str, month: str, day: str) -> str | None:
    y, m, d = int(year), int(month), int(day)
    if 1990 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """One line: whitespace runs collapsed, ends stripped."""
    return " ".join(text.split())


def _clean_block(text: str) -> str:
    """Collapse spaces but keep line breaks (a post's lines)."""
    text = WHITESPACE.sub(" ", text)
    return NEWLINES.sub("\n", text).strip()


def _paragraphs_from_plain(text: str) -> str:
    parts = [_clean(p) for p in re.split(r"\n\s*\n|\r\n\s*\r\n|\n", text)]
    return "\n\n".join(p for p in parts if p)


def _classes(el: Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _class_tokens(el: Element) -> set[str]:
    return set((el.get("class") or "").split())


def _is_furniture_name(el: Element, vocabulary: frozenset[str] = BOILERPLATE_WORDS) -> bool:
    """Does the element's class or id name it as page furniture?"""
    if el.tag in ("body", "html"):  # WordPress writes state here: "cookies-not-set", "menu-open"
        return False
    names = _classes(el)
    if not names.strip() or EMBED_CONTAINER.search(names):
        return False
    for token in names.split():
        words = [w.lower() for w in CLASS_SPLIT.split(token) if w]
        if any(w in vocabulary for w in words):
            return True
        if vocabulary is not STRONG_FURNITURE_WORDS and any(
                pair in BOILERPLATE_PAIRS for pair in pairwise(words)):
            return True
    return False


def _is_hidden(el: Element) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style) and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style) is not None


def _text_outside(el: Element, tag: str) -> str:
    """The element's text without the subtrees of ``tag`` (a widget's signature around its <p>)."""
    parts = [el.text or ""]
    for child in el:
        if child.tag != tag and isinstance(child.tag, str):
            parts.append(_text_with_breaks(child))
        parts.append(child.tail or "")
    return _clean_block(" ".join(parts))


def _signature(text: str) -> re.Match[str] | None:
    """The "— Name (@handle) date" line at the end of a widget's text, if there is one."""
    for position in sorted({text.rfind("—"), text.rfind("–"), text.rfind(" - ")}, reverse=True):
        if position >= 0:
            match = SIGNATURE.match(text, position)
            if match:
                return match
    return None


def _is_date_only(text: str) -> bool:
    return len(text) < 40 and parse_written_date(text) is not None


def _text_with_breaks(el: Element) -> str:
    """The element's text with <br> and block boundaries as line breaks, without scripts."""
    parts: list[str] = []
    walker = lxml.etree.iterwalk(el, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if event in ("comment", "pi"):
            parts.append(node.tail or "")
            continue
        tag = node.tag
        if event == "start":
            if tag in ("script", "style", "template", "noscript"):
                walker.skip_subtree()  # the "end" event still comes and adds the tail
                continue
            if tag == "br" or tag in BLOCK_TAGS:
                parts.append("\n")
            parts.append(node.text or "")
        else:
            if tag in BLOCK_TAGS:
                parts.append("\n")
            if node is not el:
                parts.append(node.tail or "")
    return _clean_block("".join(parts))


# ---------------------------------------------------------------------------------------------
# The page: container, body and embeds
# ---------------------------------------------------------------------------------------------


@dataclass
class _Occurrence:
    """One place in the page that points at a post."""

    platform: str
    status_id: str
    kind: str
    element: Element
    handle: str | None = None
    url: str | None = None
    author_name: str | None = None
    text: str | None = None
    posted: str | None = None
    key: str = ""  # the string to look for in the raw HTML to place the occurrence


@dataclass
class _Paragraph:
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    tag: str = "p"


class _Page:
    """One parsed page: finds its article container once, then its body and its embeds."""

    def __init__(self, html: str, root: Element) -> None:
        self.html = html
        self.root = root
        body = root.find("body") if root.tag == "html" else None
        self.body: Element = root if body is None else body
        self._container: Element | None = None
        self._container_done = False
        self._protected: set[Element] = set()
        self._embed_elements: set[Element] = set()
        self._occurrences: list[_Occurrence] | None = None
        self._prose_cache: dict[Element, bool] = {}
        self._furniture_cache: dict[Element, bool] = {}
        self._widget_furniture_cache: dict[Element, bool] = {}
        self._data_names: frozenset[str] | None = None
        self._body: str | None = None
        self._totals: dict[Element, int] = {}
        self._widget_names: frozenset[str] | None = None

    # ---- the article container ---------------------------------------------------------------

    @property
    def container(self) -> Element | None:
        if not self._container_done:
            self._container = self._find_container()
            self._container_done = True
            node = self._container
            while node is not None:
                self._protected.add(node)
                node = node.getparent()
        return self._container

    def _find_container(self) -> Element | None:
        """The element holding the article's paragraphs.

        Readability's vote first (each paragraph scores its parent, and half its grandparent),
        then a climb: sites that wrap every paragraph in its own block (BuzzFeed's "subbuzz",
        the Telegraph's "component") leave the vote on one block, so we move up while an
        ancestor holds markedly more paragraph text than the current choice.
        """
        scores: dict[Element, float] = {}
        totals: dict[Element, int] = {}
        voters = 0
        for para in self.body.iter("p", "pre"):
            if voters >= MAX_VOTING_PARAGRAPHS:
                break
            if self._outside_prose(para):
                continue
            text = _text(para)
            length = len(text.strip())
            if length < MIN_PARAGRAPH_CHARS:
                continue
            if _link_chars(para) > 0.5 * length:
                continue
            voters += 1
            score = 1.0 + text.count(",") + text.count("،") + text.count("、") + min(length // 100, 3)
            node = para.getparent()
            level = 0
            while node is not None and level < MAX_VOTE_LEVELS:
                totals[node] = totals.get(node, 0) + length
                if level < 3:
                    if node not in scores:
                        scores[node] = self._initial_score(node)
                    scores[node] += score / (1 if level == 0 else 2 if level == 1 else level * 3)
                node = node.getparent()
                level += 1
        self._totals = totals
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:5]
        best, best_score = None, float("-inf")
        for node, score in ranked:
            adjusted = score * (1 - _link_density(node))
            if adjusted > best_score:
                best, best_score = node, adjusted
        if best is None:
            return None
        while True:
            current = totals.get(best, 0)
            larger = None
            for level, ancestor in enumerate(best.iterancestors()):
                if level >= CLIMB_LEVELS or ancestor.tag in ("body", "html"):
                    break
                if totals.get(ancestor, 0) > current * 1.05:
                    larger = ancestor
                    break
            if larger is None or totals.get(larger, 0) < current * CLIMB_RATIO:
                return best
            best = larger

    def _outside_prose(self, el: Element) -> bool:
        """Is the paragraph inside a widget, a furniture tag or a clearly named furniture block?

        The answer is cached per ancestor for its whole chain, so a page of many paragraphs
        (or one nested 2,000 levels deep) walks each ancestor once.
        """
        cache = self._prose_cache
        path: list[Element] = []
        node = el.getparent()
        verdict = False
        while node is not None:
            known = cache.get(node)
            if known is not None:
                verdict = known
                break
            path.append(node)
            node = node.getparent()
        for node in reversed(path):  # top-down: a node is outside prose if its parent is
            if not verdict:
                tag = node.tag
                verdict = (
                    # not <form> or <header>: ASP.NET pages wrap everything in a <form>, and an
                    # article's <header> holds its standfirst
                    tag in ("nav", "footer", "aside", "noscript", "template")
                    or (tag == "blockquote" and bool(_class_tokens(node) & EMBED_BLOCKQUOTE_CLASSES.keys()))
                    or _is_furniture_name(node, STRONG_FURNITURE_WORDS)
                )
            cache[node] = verdict
        return verdict

    @staticmethod
    def _initial_score(node: Element) -> float:
        tag = node.tag
        score = {"div": 5.0, "article": 10.0, "section": 3.0, "main": 5.0, "pre": 3.0, "td": 3.0,
                 "blockquote": 3.0, "form": -3.0, "ol": -3.0, "ul": -3.0, "dl": -3.0,
                 "li": -3.0}.get(tag, 0.0)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "th", "address"):
            score -= 5
        names = _classes(node)
        if names.strip():
            if NEGATIVE_CLASS.search(names):
                score -= 25
            if POSITIVE_CLASS.search(names):
                score += 25
        if node.get("itemprop") == "articleBody":
            score += 50
        return score

    def in_furniture(self, el: Element, *, widget: bool = False) -> bool:
        """Is the element inside page furniture (nav, footer, sidebar, related list, comments)?

        Ancestors of the article container are never furniture: sites name their whole article
        column "l-sidebar-fixed" or "sticky-sidebar-relative" and it still holds the article.
        ``widget``: the element is a platform's widget markup, so wrapper names that also mean
        share bars ("social") do not count. Verdicts are cached per node for its whole chain.
        """
        _ = self.container
        vocabulary = WIDGET_FURNITURE_WORDS if widget else BOILERPLATE_WORDS
        cache = self._widget_furniture_cache if widget else self._furniture_cache
        path: list[Element] = []
        node = el
        verdict = False
        while node is not None:
            known = cache.get(node)
            if known is not None:
                verdict = known
                break
            path.append(node)
            node = node.getparent()
        for node in reversed(path):
            if not verdict and node not in self._protected and not self._holds_article(node):
                tag = node.tag
                verdict = (
                    tag in FURNITURE_TAGS
                    and not EMBED_CONTAINER.search(_classes(node))
                    and not (tag == "header" and self._in_article(node))
                ) or _is_furniture_name(node, vocabulary)
            cache[node] = verdict
        return verdict

    def _holds_article(self, node: Element) -> bool:
        """Does the node hold most of the article's paragraphs? Then it is no furniture,
        whatever its class says ("js-sticky-sidebar-content" around the whole text)."""
        container = self._container
        if container is None:
            return False
        return self._totals.get(node, 0) >= 0.5 * max(1, self._totals.get(container, 0))

    def _in_article(self, node: Element) -> bool:
        """Is the node inside the article (its <header> holds the lead media, not site menus)?"""
        return any(a is self._container or a.tag == "article" for a in node.iterancestors())

    # ---- the body ----------------------------------------------------------------------------

    def body_text(self) -> str:
        if self._body is None:
            container = self.container
            self._collect_embeds()
            start = container if container is not None else self.body
            paragraphs = self._walk(start)
            if container is not None and not paragraphs:
                # The vote picked a block whose text is all furniture: read the whole page.
                paragraphs = self._walk(self.body)
            self._body = "\n\n".join(paragraphs)
        return self._body

    def _walk(self, start: Element) -> list[str]:
        """Paragraphs under ``start`` in document order; furniture and embeds left out.

        A paragraph is the text between two block boundaries: a <p>, a heading, a list item, a
        block of text in a <div>; two <br> in a row also end one.
        """
        out: list[str] = []
        current = _Paragraph()
        link_depth = 0
        total = 0
        after_break = False

        def flush() -> None:
            nonlocal current, total
            text = _clean("".join(current.parts))
            if text and self._keep_paragraph(text, current):
                out.append(text)
                total += len(text) + 2
            current = _Paragraph()

        def add(text: str | None) -> None:
            nonlocal after_break
            if text:
                current.parts.append(text)
                if not text.isspace():
                    after_break = False
                    if link_depth:
                        current.link_chars += len(text.strip())

        walker = lxml.etree.iterwalk(start, events=("start", "end", "comment", "pi"))
        for event, node in walker:
            if total > MAX_BODY_CHARS:
                log.warning("article body longer than %d characters: the rest is left out", MAX_BODY_CHARS)
                break
            tag = node.tag
            if event in ("comment", "pi"):  # their text is not shown; what follows them is
                add(node.tail)
                continue
            if event == "start":
                if node is not start and self._skip_in_body(node, tag):
                    walker.skip_subtree()  # its "end" event still comes, and adds the tail
                    if tag in BLOCK_TAGS or tag in SKIP_TAGS:
                        flush()
                    continue
                if tag in BLOCK_TAGS:
                    flush()
                    current.tag = tag
                elif tag == "br":
                    if after_break:
                        flush()
                    add("\n")
                    after_break = True
                elif tag == "a":
                    link_depth += 1
                add(node.text)
            else:
                if tag in BLOCK_TAGS:
                    flush()
                elif tag == "a" and link_depth:
                    link_depth -= 1
                if node is not start:
                    add(node.tail)
        flush()
        return out

    def _skip_in_body(self, node: Element, tag: str) -> bool:
        if tag in RAW_TEXT_TAGS or node in self._embed_elements or tag.startswith("amp-"):
            return True
        if tag == "h1":  # the title, kept in Article.title
            return True
        if tag == "blockquote" and _class_tokens(node) & EMBED_BLOCKQUOTE_CLASSES.keys():
            return True
        if not (tag in SKIP_TAGS or _is_hidden(node) or _is_furniture_name(node, NOT_PROSE_WORDS)):
            return False
        # A block holding most of the article is the article, whatever its tag or class says
        # (a page-wide ASP.NET <form>, a "js-sticky-sidebar" wrapper around the text).
        return not self._holds_article(node)

    @staticmethod
    def _keep_paragraph(text: str, para: _Paragraph) -> bool:
        length = len(text)
        if para.link_chars >= MAX_LINK_DENSITY * length and length < MAX_LINKED_PARAGRAPH:
            return False
        return not (length <= BOILERPLATE_PHRASE_MAX and BOILERPLATE_PHRASE.match(text))

    # ---- embeds ------------------------------------------------------------------------------

    def _collect_embeds(self) -> list[_Occurrence]:
        if self._occurrences is None:
            self._occurrences = self._scan()
        return self._occurrences

    def embeds(self, article_body: str | None = None) -> tuple[EmbeddedPost, ...]:
        occurrences = list(self._collect_embeds())
        # Post URLs written out in the prose (not linked), and in the JSON-LD copy of it.
        occurrences.extend(self._text_occurrences(self.body_text(), "text"))
        if article_body:
            occurrences.extend(self._text_occurrences(article_body, "text"))
        return self._merge(occurrences)

    def _scan(self) -> list[_Occurrence]:
        _ = self.container
        found: list[_Occurrence] = []
        done: set[Element] = set()
        root = self.root

        # 1. Widget markup: blockquotes and divs the platforms' scripts turn into posts.
        for el in self._having(WIDGET_CLASSES, "class"):
            if el in done:  # a widget inside a widget (a quoted post) belongs to the outer one
                continue
            tokens = _class_tokens(el)
            classes = EMBED_BLOCKQUOTE_CLASSES if el.tag == "blockquote" else EMBED_DIV_CLASSES
            platform = next((classes[t] for t in tokens if t in classes), None)
            if platform is None or self.in_furniture(el, widget=True):
                continue
            occurrence = self._widget(el, platform)
            self._embed_elements.add(el)
            if occurrence is not None:
                found.append(occurrence)
                done.update(el.iter())

        # 1b. Widget blockquotes whose class a CMS or a feed stripped: a post link and the
        # "— Name (@handle)" signature still give them away (a pull quote has no signature).
        for el in root.iter("blockquote"):
            if el in done or el in self._embed_elements:
                continue
            parsed = next((p for p in (parse_post_url(a.get("href") or "", anchored=True)
                                       for a in el.iter("a")) if p), None)
            if parsed is None or not _signature(_text_with_breaks(el)) or self.in_furniture(el, widget=True):
                continue
            occurrence = self._widget(el, parsed[0])
            if occurrence is not None:
                self._embed_elements.add(el)
                found.append(occurrence)
                done.update(el.iter())

        # 2. AMP components: the id (or URL) is all they carry.
        for el in root.iter(*AMP_TAGS):
            if self.in_furniture(el, widget=True):
                continue
            self._embed_elements.add(el)
            occurrence = self._amp(el, AMP_TAGS[el.tag])
            if occurrence is not None:
                found.append(occurrence)
                done.add(el)

        # 3. Rendered widgets and placeholders holding a bare tweet id.
        for el in self._having(TWEET_ID_ATTRS):
            for attr in TWEET_ID_ATTRS:
                value = (el.get(attr) or "").strip()
                if el in done or not value.isdigit() or not 5 <= len(value) <= 25:
                    continue
                if self.in_furniture(el, widget=True):
                    continue
                rendered = el.tag == "iframe" or any(
                    "rendered" in c or c == "twitter-tweet" for a in (el, el.getparent())
                    if a is not None for c in _class_tokens(a))
                kind = "iframe" if rendered else "link"
                found.append(_Occurrence("x", value, kind, el, key=value))
                self._embed_elements.add(el)
                done.add(el)

        # 4. Attributes holding a post URL: links, iframe sources, placeholders' data-*.
        candidates: list[tuple[Element, str, str]] = []
        for el in PLATFORM_LINK_XPATH(root):
            candidates.append((el, "href", el.get("href") or ""))
        for el in root.iter(*FRAME_TAGS):
            for name in FRAME_SOURCE_ATTRS:
                value = el.get(name)
                if value:
                    candidates.append((el, name, value))
        placeholders = tuple(sorted({*PLACEHOLDER_ATTRS, *(
            n for n in self._data_attributes if PLACEHOLDER_HINT.search(n))}))
        for el in self._having(placeholders):
            for name in placeholders:
                value = el.get(name)
                if value and PLATFORM_HOST.search(value):
                    candidates.append((el, name, value))
        for el, name, value in candidates:
            if el in done:
                continue
            occurrence = self._from_attribute(el, name, value)
            # Embed markup (iframes, placeholders) is judged like widgets; links like links.
            if occurrence is None or self.in_furniture(el, widget=el.tag != "a"):
                continue
            found.append(occurrence)
            if occurrence.kind != "link" or el.tag != "a":
                self._embed_elements.add(el)

        # 5. Post URLs written out in the article's own JSON (an embed's data next to its
        # skeleton); scripts elsewhere hold sidebars and other articles, so they do not count.
        container = self.container
        if container is not None:
            for script in container.iter("script"):
                kind = (script.get("type") or "").lower()
                text = script.text or ""
                if ("json" in kind and 0 < len(text) <= MAX_EMBED_JSON_CHARS and _is_embed_data(script)
                        and not self.in_furniture(script)):
                    found.extend(self._text_occurrences(text.replace("\\/", "/"), "link", script))
        return found

    # ---- one occurrence per markup kind ------------------------------------------------------

    def _having(self, names: tuple[str, ...], attribute: str | None = None) -> list[Element]:
        """Elements carrying one of these data-* attributes (or, with ``attribute``, classes).

        The raw page says first which of them occur at all: most pages have none, and an XPath
        test of every element of a 1 MB page costs milliseconds.
        """
        if attribute:
            present = tuple(name for name in names if name in self._class_words)
        else:
            present = tuple(name for name in names if name in self._data_attributes)
        if not present:
            return []
        try:
            return list(_xpath_for(present, attribute)(self.root))
        except lxml.etree.XPathError:  # a name from the page that XPath cannot spell
            log.debug("cannot query attributes %s", present)
            return []

    @property
    def _data_attributes(self) -> frozenset[str]:
        if self._data_names is None:
            self._data_names = frozenset(m.lower() for m in DATA_ATTRIBUTE.findall(self.html))
        return self._data_names

    @property
    def _class_words(self) -> frozenset[str]:
        if self._widget_names is None:
            endings = set(WIDGET_CLASS_ENDING.findall(self.html))
            self._widget_names = frozenset(
                name for name in WIDGET_CLASSES if any(name.endswith(e) for e in endings))
        return self._widget_names

    def _widget(self, el: Element, platform: str) -> _Occurrence | None:
        """A widget blockquote (or fb-post div): its post URL, text, author and date."""
        candidates: list[tuple[str, str, str | None, str]] = []
        for attr_name in ("data-instgrm-permalink", "data-text-post-permalink", "data-bluesky-uri",
                          "data-href", "cite", "data-url"):
            value = el.get(attr_name)
            if value:
                parsed = parse_post_url(value)
                if parsed:
                    candidates.append(parsed)
        status_link: Element | None = None
        for a in el.iter("a"):
            parsed = parse_post_url(a.get("href") or "")
            if parsed and parsed[0] == platform:
                candidates.append(parsed)
                status_link = a
        if not candidates:
            tweet_id = el.get("data-tweet-id")
            if tweet_id and tweet_id.isdigit():
                candidates.append(("x", tweet_id, None, ""))
        if not candidates:
            return None
        # The last status link in a tweet blockquote is its own (earlier ones are quoted posts).
        same = [c for c in candidates if c[0] == platform] or candidates
        chosen_platform, status_id, handle, url = same[-1]
        if el.get("data-bluesky-uri") or el.get("data-instgrm-permalink"):
            chosen_platform, status_id, handle_first, url_first = same[0]
            handle = handle or handle_first
            url = url_first or url
        handle = handle or next((c[2] for c in same if c[1] == status_id and c[2]), None)
        text, name, sig_handle, posted = self._widget_text(el, status_link, chosen_platform)
        if not handle and sig_handle:
            handle = sig_handle
        if el.tag == "blockquote" or el.find(".//blockquote") is not None:
            kind = "blockquote"  # the widget markup itself (fb-post wraps one too)
        elif "rendered" in _classes(el) or el.find(".//iframe") is not None:
            kind = "iframe"
        else:
            kind = "link"  # an empty widget placeholder: only its URL
        return _Occurrence(chosen_platform, status_id, kind, el, handle=handle, url=url,
                           author_name=name, text=text, posted=posted, key=status_id)

    def _widget_text(
        self, el: Element, status_link: Element | None, platform: str
    ) -> tuple[str | None, str | None, str | None, str | None]:
        """(text, author name, handle, date) shown inside a widget blockquote.

        The standard markup is ``<p>text</p>— Name (@handle) <a>date</a>``; WordPress splits
        the text over several <p> and puts the signature in a <p> of its own; Instagram says
        "A post shared by Name (@handle)"; some embeds have no <p> at all.
        """
        posted = None
        for time_el in el.iter("time"):
            posted = _date_value(time_el.get("datetime")) or parse_written_date(_text(time_el))
            if posted:
                break
        if status_link is not None and not posted:
            posted = parse_written_date(_text(status_link))

        lines: list[str] = []
        name: str | None = None
        handle: str | None = None
        paragraphs = list(el.iter("p"))
        signature_text = _text_outside(el, "p") if paragraphs else _text_with_breaks(el)
        for block in paragraphs:
            text = _text_with_breaks(block)
            if not text:
                continue
            signature = _signature(text) if text.lstrip()[:1] in "—–-" else None
            # "A post shared by Name (@handle)" is Instagram's and Threads' signature; in a tweet
            # the same words are the post's own.
            shared = SHARED_BY.search(text) if platform in SHARED_BY_PLATFORMS else None
            if signature:
                name, handle = signature.group("name"), signature.group("handle")
                posted = posted or parse_written_date(signature.group("rest"))
            elif shared:
                name, handle = shared.group("name"), shared.group("handle")
            elif not (FALLBACK_TEXT.search(text) and len(text) < 120) and not _is_date_only(text):
                lines.append(text)
        signature = _signature(signature_text)
        if signature:
            name = name or signature.group("name")
            handle = handle or signature.group("handle")
            posted = posted or parse_written_date(signature.group("rest"))
            if not paragraphs:
                lines.append(signature_text[:signature.start()])
        elif not paragraphs:
            lines.append(signature_text)
        if status_link is not None and not paragraphs:
            # Without <p>, the status link's own words are the date or a fallback, not the post.
            link_text = _clean(_text(status_link))
            lines = [line.replace(link_text, "") if link_text else line for line in lines]
        post_text = _clean_block("\n".join(lines)) or None
        if post_text and ((FALLBACK_TEXT.search(post_text) and len(post_text) < 120) or _is_date_only(post_text)):
            post_text = None
        return post_text, (_clean(name) or None) if name else None, handle, posted

    def _amp(self, el: Element, platform: str) -> _Occurrence | None:
        value = (el.get("data-tweetid") or el.get("data-shortcode") or el.get("data-href")
                 or el.get("data-uri") or el.get("data-url") or "").strip()
        if not value:
            return None
        parsed = parse_post_url(value)
        if parsed:
            return _Occurrence(parsed[0], parsed[1], "amp", el, handle=parsed[2], url=parsed[3], key=parsed[1])
        if platform == "x" and value.isdigit() and 5 <= len(value) <= 25:
            return _Occurrence("x", value, "amp", el, key=value)
        if platform == "instagram" and re.fullmatch(r"[A-Za-z0-9_-]{5,40}", value):
            return _Occurrence("instagram", value, "amp", el, url=f"https://www.instagram.com/p/{value}/",
                               key=value)
        return None

    def _from_attribute(self, el: Element, name: str, value: str) -> _Occurrence | None:
        """A post URL in an attribute: a link, an iframe's source, a placeholder's data-*."""
        tag = el.tag
        value = value.strip()
        if (tag == "a" and name == "href") or name == "data-orig-url":
            parsed = parse_post_url(value, anchored=True)
            if not parsed:
                return None
            occurrence = _Occurrence(parsed[0], parsed[1], "link", el, handle=parsed[2], url=parsed[3],
                                     key=parsed[1])
            self._screenshot_text(el, occurrence)
            return occurrence
        if tag in ("iframe", "amp-iframe", "embed", "object", "frame") and name in ("src", "data-src",
                                                                                   "data-lazy-src"):
            parsed = _post_from_embed_src(value)
            if not parsed:
                return None
            return _Occurrence(parsed[0], parsed[1], "iframe", el, handle=parsed[2], url=parsed[3],
                               key=parsed[1])
        if name in PLACEHOLDER_ATTRS or name.startswith("data-"):
            if NOT_PLACEHOLDER_ATTR.search(name):
                return None
            parsed = parse_post_url(value, anchored=True)
            if not parsed and name == "data-iframely-url":
                parsed = _post_from_embed_src(value)
            if not parsed and not SHARE_ENDPOINT.search(value):
                # A URL inside a value: JSON embed settings, an image proxy of the post.
                parsed = parse_post_url(value.replace("\\/", "/").replace("&quot;", '"'))
            if not parsed:
                return None
            return _Occurrence(parsed[0], parsed[1], "link", el, handle=parsed[2], url=parsed[3],
                               key=parsed[1])
        return None

    @staticmethod
    def _screenshot_text(link: Element, occurrence: _Occurrence) -> None:
        """Post text from a screenshot standing in for the post ("Twitter post by @h: ...")."""
        for node in link.iter():
            if not isinstance(node.tag, str):
                continue
            for attr in ("alt", "data-alt", "aria-label", "title"):
                value = node.get(attr)
                if not value:
                    continue
                match = SCREENSHOT_ALT.match(value)
                if match:
                    occurrence.text = _clean(match.group("text"))
                    occurrence.handle = occurrence.handle or match.group("handle")
                    return

    def _text_occurrences(self, text: str, kind: str, element: Element | None = None) -> list[_Occurrence]:
        found: list[_Occurrence] = []
        if not _mentions_platform(text):
            return found
        for platform, pattern in POST_PATTERNS:
            for match in pattern.finditer(text):
                parsed = _parsed_from_match(platform, match)
                if parsed:
                    found.append(_Occurrence(parsed[0], parsed[1], kind, element, handle=parsed[2],
                                             url=parsed[3], key=parsed[1]))
        return found

    # ---- merging -----------------------------------------------------------------------------

    def _merge(self, occurrences: list[_Occurrence]) -> tuple[EmbeddedPost, ...]:
        groups: dict[tuple[str, str], list[_Occurrence]] = {}
        for occurrence in occurrences:
            groups.setdefault((occurrence.platform, occurrence.status_id), []).append(occurrence)
        if len(groups) > MAX_POSTS:
            log.warning("%d distinct posts in one page: keeping the first %d", len(groups), MAX_POSTS)
            groups = dict(list(groups.items())[:MAX_POSTS])
        posts: list[EmbeddedPost] = []
        for (platform, status_id), group in groups.items():
            offsets = [self._offset(o) for o in group]
            first = min(range(len(group)), key=lambda i: offsets[i])
            best = min(group, key=lambda o: KIND_RANK.get(o.kind, 9))
            handle = next((o.handle for o in sorted(group, key=lambda o: KIND_RANK.get(o.kind, 9))
                           if o.handle), None)
            url = next((o.url for o in group if o.url and o.handle), None) or next(
                (o.url for o in group if o.url), None)
            if url is None:
                url = _canonical_url(platform, status_id, handle)
            text = max((o.text for o in group if o.text), key=len, default=None)
            posts.append(EmbeddedPost(
                platform=platform,
                kind=best.kind,
                status_id=status_id,
                url=url,
                handle=handle,
                author_name=next((o.author_name for o in group if o.author_name), None),
                text=text,
                posted=next((o.posted for o in group if o.posted), None),
                markup=self._markup(offsets[first]),
                offset=offsets[first],
            ))
        posts.sort(key=lambda p: p.offset)
        return tuple(posts)

    def _markup(self, offset: int) -> str:
        end = self.html.find(">", offset, offset + 300)
        return self.html[offset:end + 1 if end >= 0 else offset + 200]

    def _offset(self, occurrence: _Occurrence) -> int:
        """Character offset of the occurrence's element (or of its key) in the decoded HTML."""
        html = self.html
        key = occurrence.key
        el = occurrence.element
        if not key:
            return 0
        line = getattr(el, "sourceline", None) if el is not None else None
        start = self._line_start(line) if line and line < LINE_LIMIT else 0
        if occurrence.kind in ("text",) and el is None:
            start = 0
        position = self._find_outside_scripts(key, start, el is not None and el.tag != "script")
        if position < 0:
            position = html.find(key)
        if position < 0:
            return 0
        if el is not None and isinstance(el.tag, str):
            low = max(start, position - TAG_WINDOW)
            tag_start = max(html.rfind("<" + el.tag, low, position + 1),
                            html.rfind("<" + el.tag.upper(), low, position + 1))
            if tag_start >= 0:
                return tag_start
        return position

    _line_starts: list[int] | None = None

    def _line_start(self, line: int) -> int:
        if self._line_starts is None:
            self._line_starts = [0, *accumulate(len(row) + 1 for row in self.html.split("\n"))]
        return self._line_starts[min(line, len(self._line_starts)) - 1]

    def _find_outside_scripts(self, key: str, start: int, outside: bool) -> int:
        """First position of ``key`` from ``start``, skipping scripts, styles and comments."""
        html = self.html
        position = html.find(key, start)
        while outside and position >= 0 and _inside_raw_text(html, position):
            position = html.find(key, position + 1)
        return position


def _inside_raw_text(html: str, position: int) -> bool:
    """Is this position inside <script>, <style> or an HTML comment of the raw page?"""
    for opening, closing in RAW_TEXT_DELIMITERS:
        last_open = html.rfind(opening, max(0, position - RAW_TEXT_WINDOW), position)
        if last_open >= 0 and html.rfind(closing, last_open, position) < 0:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Post URLs
# ---------------------------------------------------------------------------------------------


def parse_post_url(value: str, *, anchored: bool = False) -> tuple[str, str, str | None, str] | None:
    """(platform, status id, handle, clean URL) for a post URL, or None for anything else.

    ``anchored``: the URL must start the value (an href, a data attribute), so a share link
    carrying a post URL in its query is not read as the post.
    """
    value = value.strip()
    if not value or not PLATFORM_HOST.search(value):
        return None
    if SHARE_ENDPOINT.search(value.split("?", 1)[0]) and anchored:
        return None
    for platform, pattern in POST_PATTERNS:
        match = pattern.match(value) if anchored else pattern.search(value)
        if match:
            return _parsed_from_match(platform, match)
    return None


def _is_embed_data(script: Element) -> bool:
    """Is this JSON the data of an embed (its own attributes, or its parent's, say so)?"""
    node: Element | None = script
    for _ in range(3):
        if node is None:
            return False
        if any(EMBED_CONTAINER.search(value) or "oembed" in value.lower() for value in node.attrib.values()):
            return True
        node = node.getparent()
    return False


def _mentions_platform(text: str) -> bool:
    """Cheap test before the post patterns: substring searches on the lowered text run at memory
    speed, while the case-insensitive alternation of PLATFORM_HOST tests every position."""
    lowered = text.lower()
    return any(word in lowered for word in PLATFORM_WORDS)


def _parsed_from_match(platform: str, match: re.Match[str]) -> tuple[str, str, str | None, str] | None:
    groups = match.groupdict()
    status_id = groups.get("id") or groups.get("id2") or groups.get("id3")
    if not status_id:
        return None
    profile = groups.get("handle") or groups.get("handle2")
    handle = profile
    if handle and (handle.lower() in NOT_HANDLES or handle.startswith("did:")):
        handle = None
    if platform == "facebook" and handle and handle.isdigit() and groups.get("handle2"):
        handle = None
    url = _canonical_url(platform, status_id, handle, match.group(0), profile)
    return platform, status_id, handle, url


def _canonical_url(
    platform: str, status_id: str, handle: str | None, seen: str | None = None, profile: str | None = None
) -> str:
    """A clean, resolvable URL for the post, without tracking parameters."""
    if platform == "x":
        host = "x.com" if seen and re.search(r"(?<![\w.])x\.com", seen, re.I) else "twitter.com"
        return f"https://{host}/{handle or 'i/web'}/status/{status_id}"
    if platform == "instagram":
        kind = "reel" if seen and re.search(r"/reels?/", seen) else "tv" if seen and "/tv/" in seen else "p"
        return f"https://www.instagram.com/{kind}/{status_id}/"
    if platform == "threads" and handle:
        return f"https://www.threads.net/@{handle}/post/{status_id}"
    if platform == "truth_social" and handle:
        return f"https://truthsocial.com/@{handle}/posts/{status_id}"
    if platform == "bluesky" and (profile or handle):
        return f"https://bsky.app/profile/{profile or handle}/post/{status_id}"
    if platform == "youtube":
        return f"https://www.youtube.com/post/{status_id}"
    if seen:
        url = seen if seen.startswith(("http:", "https:")) else "https://" + seen.lstrip("/")
        return url.replace("&amp;", "&")
    return ""


def _post_from_embed_src(src: str) -> tuple[str, str, str | None, str] | None:
    """The post an embed iframe shows, from its source URL."""
    src = src.strip().replace("&amp;", "&")
    if not src or SHARE_ENDPOINT.search(src.split("?", 1)[0]):
        return None
    try:
        query = parse_qs(urlsplit(src if "//" in src else "https://" + src).query)
    except ValueError:  # a malformed source ("//[::1") is no embed
        return None
    if TWEET_IFRAME.search(src):
        for key in ("id", "tweet_id", "tweetId"):
            values = query.get(key)
            if values and values[0].isdigit():
                return "x", values[0], None, _canonical_url("x", values[0], None)
    direct = parse_post_url(src, anchored=True)
    if direct:
        return direct
    for key in EMBED_QUERY_KEYS:
        for value in query.get(key, []):
            parsed = parse_post_url(unquote(value), anchored=True)
            if parsed:
                return parsed
    return None


_STRING = lxml.etree.XPath("string()")


@lru_cache(maxsize=256)
def _xpath_for(names: tuple[str, ...], attribute: str | None) -> Any:
    """XPath selecting elements with any of these attributes, or any of these class names."""
    tests = [f"contains(@{attribute}, '{name}')" if attribute else f"@{name}" for name in names]
    return lxml.etree.XPath("//*[" + " or ".join(tests) + "]")


def _text(node: Element) -> str:
    """All text under a node, as the browser's textContent (scripts included)."""
    return str(_STRING(node))


def _link_density(node: Element) -> float:
    length = len(_text(node).strip())
    if not length:
        return 1.0
    return min(1.0, _link_chars(node) / length)


def _link_chars(node: Element) -> int:
    """Characters of link text under a node (one XPath string() per link: ".//a//text()"
    makes libxml2 merge node sets quadratically, 0.8 s on a 2 MB page)."""
    return sum(len(_text(a).strip()) for a in node.iter("a"))
