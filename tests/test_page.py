"""Tests for tracker.page: real pages against their gold, hand-made pages for each embed kind and
each trap, and the bad inputs a crawler meets (truncated, binary, mislabelled, huge, deep).

The quality floor is scored by tracker.evaluate.score_html (the rules of score_html.py): a post counts by its
status id; handle compared lowercase; text counts when the gold's first words occur in it after
score.py's normalisation (NFKC, lowercase, apostrophes dropped, \\w+ words).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from bs4 import BeautifulSoup

from tracker.errors import PageError
from tracker.evaluate import occurs as contains
from tracker.evaluate import score_html
from tracker.evaluate import tokens as words
from tracker.models import Article, EmbeddedPost
from tracker.page import MAX_HTML_BYTES, decode_html, find_embeds, parse_html

FIXTURES = Path(__file__).parent / "fixtures" / "html"
GOLD: list[dict[str, Any]] = [
    json.loads(line) for line in (FIXTURES / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
GOLD_BY_FILE = {g["file"]: g for g in GOLD}
NEGATIVES = [g["file"] for g in GOLD if not g.get("has_post", bool(g["embeds"]))]

# The quality floor (raise deliberately, one line at a time).
FLOOR = {"recall": 0.97, "precision": 0.98, "handle": 0.97, "text": 0.95, "date": 0.95}


@cache
def article(file: str) -> Article:
    gold = GOLD_BY_FILE[file]
    return parse_html((FIXTURES / file).read_bytes(), id=file, url=gold.get("page_url"))


@cache
def decoded(file: str) -> str:
    return decode_html((FIXTURES / file).read_bytes())


@cache
def page_text(file: str) -> str:
    """All text of the page as a browser would have it (entities decoded), scripts included."""
    parser = lxml.html.HTMLParser(encoding="utf-8")
    tree = lxml.html.document_fromstring(decoded(file).encode("utf-8"), parser=parser)
    return " ".join(" ".join(tree.itertext()).split())


# ---- the page stage's embeds, scored by tracker.evaluate.score_html (score_html.py's rules) ------


def score(files: list[str]) -> dict[str, Any]:
    """The embeds ``find_embeds`` gives each page, as prediction records, against the gold."""
    predictions = [
        {"id": file, "posts": [
            {"status_id": e.status_id, "handle": e.handle, "quote": [e.text or ""], "posted": e.posted}
            for e in article(file).embeds if e.status_id
        ]}
        for file in files
    ]
    return score_html([GOLD_BY_FILE[file] for file in files], predictions)


# ---- the fixture pages --------------------------------------------------------------------------


@pytest.mark.parametrize("gold", GOLD, ids=lambda g: g["file"][:50])
def test_fixture_is_a_byte_identical_copy(gold: dict[str, Any]) -> None:
    assert hashlib.sha256((FIXTURES / gold["file"]).read_bytes()).hexdigest() == gold["sha256"]


def test_embedded_posts_meet_the_quality_floor() -> None:
    measured = score([g["file"] for g in GOLD])
    for name, floor in FLOOR.items():
        assert measured[name] >= floor, f"{name} {measured[name]:.3f} < {floor} ({measured})"


@pytest.mark.parametrize("file", NEGATIVES)
def test_negative_pages_report_no_post(file: str) -> None:
    assert article(file).embeds == ()


@pytest.mark.parametrize("gold", [g for g in GOLD if g.get("other_status_ids")], ids=lambda g: g["file"][:40])
def test_status_ids_outside_the_article_are_not_reported(gold: dict[str, Any]) -> None:
    reported = {e.status_id for e in article(gold["file"]).embeds}
    assert not reported & {str(o) for o in gold["other_status_ids"]}


@pytest.mark.parametrize("gold", GOLD, ids=lambda g: g["file"][:50])
def test_one_post_per_status_id_with_an_offset_into_the_markup(gold: dict[str, Any]) -> None:
    embeds = article(gold["file"]).embeds
    keys = [(e.platform, e.status_id) for e in embeds]
    assert len(keys) == len(set(keys))
    html = decoded(gold["file"])
    for embed in embeds:
        assert embed.status_id
        assert html[embed.offset:embed.offset + len(embed.markup)] == embed.markup
        assert embed.status_id in html[embed.offset:embed.offset + 50_000]
        assert embed.posted is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", embed.posted)


# Per page: text of navigation, headers, footers, related lists and sign-up boxes that must not
# reach the body, and article sentences that must.
FURNITURE_AND_PROSE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "article-extraction-benchmark__04a6711caa7c687592777718866e781e976e0fe684faebe8b3cedcef8cd0ea34.html": (
        ("Go to Home Page »", "op-ed Contributors"),
        ("Trump sent a similar message ahead of the Virginia elections.",)),
    "article-extraction-benchmark__0dd1357045727799a447563fd8851f4ebe79f042073ea16991a9b67aa595f81a.html": (
        ("Click here to subscribe to The Paradigm Newsletter", "Like this:", "Join 513 other subscribers",
         "Boy Kills Brother, Removes His Eyes, Tongue"),
        ("After raising the motion, the Senate resolved to observe a minute of silence",)),
    "article-extraction-benchmark__3f65af7b6b98b1c9ae9a3e0d8a09a85600cdc44e26e4b3a6db96a31f4b1767e3.html": (
        ("Back To Main Menu", "Hunterdon County Democrat"),
        ("Yes, that’s it. No joke.",
         "“Hey Twitter, the whole point of this ad campaign is to raise awareness,” Noem tweeted.")),
    "article-extraction-benchmark__70cb2d5bca75ab5a8f6bb378a38a52f882f6bda508de93b12502e74936d86ff2.html": (
        ("BBC News Navigation", "Technology of Business"),
        ("But the company says she didn't need their permission in the first place.",)),
    "article-extraction-benchmark__c90731f051d033e49e4cfcc920895051bbc3b54ef1a11519abcf22a115c3aa79.html": (
        ("Life in the City", "Formula 1 with DH"),
        ("The impeachment hearings are an effort by Democrats",)),
    "fundus__de-DieWelt_2024_08_27.html": (
        ("Kreuzworträtsel", "Schlagzeilen-Archiv"),
        ("Alle Kandidaten beantworten ihre Fragen brav und nacheinander.",)),
    "fundus__de-FreiePresse_2024_11_29.html": (
        ("ABO-ANGEBOTE", "Wirtschaft in Chemnitz"),
        ("Derzeit zeigt sich die FDP von der militärischen Seite.",)),
    "fundus__es-ElDiario_2025_05_29.html": (
        ("El rincón de pensar", "Programación TV"),
        ("Minutos antes del encuentro, Albares ha recalcado en Madrid",)),
    "fundus__it-CorriereDellaSera_2025_02_04.html": (
        ("SCRIVI ALLA REDAZIONE", "DIZIONARIO ITALIANO"),
        ("Giorgia Meloni è arrivata a Mar-a-Lago",)),
    "fundus__uk-Metro_2024_11_29.html": (
        ("Open Site Menu", "Expand Entertainment Submenu"),
        ("Donald Trump Jr who wrote on X: ‘Military Industrial Complex",)),
    "fundus__us-TheGatewayPundit_2026_07_19.html": (
        ("Please Donate to TGP", "Advertise On The Gateway Pundit", "Subscribe to our newsletter"),
        ("In what many see as an unforced error", "Financial Times reported:")),
    "fundus__us-WashingtonPost_2024_04_26.html": (
        ("Skip to main content", "© 1996-2024 The Washington Post", "Accessibility statement"),
        ("Rotating thunderstorms or “supercells” are expected",)),
    "goose3__test_schema_graph.html": (
        ("Open Navigation",),
        ("Social consultant Matt Navarra first spotted some of the ads",)),
    "newspaper4k__cnn_article.html": (
        ("EDITION: INTERNATIONAL", "Set edition preference", "Today's five most popular stories",
         "10 things to know about tornadoes"),
        ('"We dodged a bullet," said Steve Cowan',)),
    "parser__mashable.com.html": (
        ("Apps & Software", "Family & Parenting"),
        ("Durr explained that the folks flying the plane",)),
    "parser__www.buzzfeed.com--splash.html": (
        ("Got a confidential tip?", "Privacy Policy"),
        ("But the UD students who voted for Trump were thrilled.",)),
    "parser__www.vox.com.html": (
        ("Vox main menu", "Please consider making a contribution to Vox today.", "Terms of Use"),
        ("Do President-elect Donald Trump’s tweets fall into this category",)),
    "readability__aktualne-source.html": (
        ("Nejnovější zprávy do e-mailu", "Všeobecnými obchodními podmínkami"),
        ("West Ham je opět v kurzu",)),
    "readability__telegraph-source.html": (
        ("Work at The Telegraph", "Upgrade to Premium"),
        ("Mr Mugabe is resisting mediation by a Catholic priest",)),
    "trafilatura__basicthinking.de.tweets.html": (
        ("Auch interessant für dich", "Jobs der Woche: 10 Marketing- und Social-Media-Stellen"),
        ("Dazu habe ich zwölf bekannte Twitter-Nutzer gefragt",)),
    "trafilatura__eltiempo.com-candidatos.html": (
        ("Unidad Investigativa", "Datos El Tiempo"),
        ("El encuentro estuvo enmarcado en 6 ejes temáticos",)),
    "trafilatura__sciencesetavenir.fr.rumeur.html": (
        ("S’abonner dès 1€", "Se déconnecter"),
        ("Pour comprendre comment cette information non vérifiée",)),
    "trafilatura__standard.co.uk.caribbean.html": (
        ("Food for London Now", "Pubs, Bars and Nightlife"),
        ("Mr Shapps said on Twitter:",)),
    "trafilatura__theverge.com.ios13.html": (
        ("The Verge main menu", "Community Guidelines", "Cookie Policy"),
        ("On Twitter, Dave Schukin explains",)),
    "trafilatura__timesofisrael.com.washington.html": (
        ("Startup Israel", "Updates from Silicon Wadi"),
        ("Governor Jay Inslee appointed Montoya-Lewis, 51",)),
}


def test_every_fixture_page_has_body_checks() -> None:
    assert set(FURNITURE_AND_PROSE) == set(GOLD_BY_FILE)


@pytest.mark.parametrize("file", sorted(FURNITURE_AND_PROSE), ids=lambda f: f[:50])
def test_body_has_the_article_without_the_furniture(file: str) -> None:
    furniture, prose = FURNITURE_AND_PROSE[file]
    body = article(file).text
    for text in furniture:
        assert text in page_text(file), f"not in the page, so not a test: {text!r}"
        assert text not in body, f"furniture in the body: {text!r}"
    for text in prose:
        assert text in body, f"article text missing from the body: {text!r}"


# The nj.com article quotes one of its embedded posts in its own prose ("“Hey Twitter, ...,” Noem
# tweeted"): that sentence belongs to the body.
NJ_COM = "article-extraction-benchmark__3f65af7b6b98b1c9ae9a3e0d8a09a85600cdc44e26e4b3a6db96a31f4b1767e3.html"
QUOTED_IN_PROSE = {(NJ_COM, "1196553520201248768")}


@pytest.mark.parametrize("gold", [g for g in GOLD if any(e.get("text_start") for e in g["embeds"])],
                         ids=lambda g: g["file"][:50])
def test_embedded_post_text_stays_out_of_the_body(gold: dict[str, Any]) -> None:
    body = words(article(gold["file"]).text)
    for embed in gold["embeds"]:
        if embed.get("text_start") and (gold["file"], embed["status_id"]) not in QUOTED_IN_PROSE:
            assert not contains(body, words(embed["text_start"])), embed["text_start"]


@pytest.mark.parametrize("file", sorted(GOLD_BY_FILE), ids=lambda f: f[:50])
def test_body_is_paragraphs_with_a_content_hash(file: str) -> None:
    result = article(file)
    paragraphs = result.text.split("\n\n")
    assert len(paragraphs) >= 5
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    assert result.content_hash == hashlib.sha256(result.text.encode("utf-8")).hexdigest()


def test_metadata_of_fixture_pages() -> None:
    vox = article("parser__www.vox.com.html")
    assert vox.url == "https://www.vox.com/culture/2016/12/10/13898352/trump-twitter-harassment-policy-bannable"
    assert vox.published == "2016-12-10"
    assert vox.title and vox.title.startswith("Donald Trump’s tweets fit a pattern of harassment")
    assert vox.language == "en"
    wapo = article("fundus__us-WashingtonPost_2024_04_26.html")
    assert wapo.outlet == "Washington Post"
    assert wapo.authors == ("Matthew Cappucci",)
    assert wapo.published == "2024-04-26"
    nyt = article("article-extraction-benchmark__04a6711caa7c687592777718866e781e976e0fe684faebe8b3cedcef8cd0ea34.html")
    assert nyt.published == "2019-11-19"  # <meta property="article:published" itemprop="datePublished">
    assert nyt.authors == ("Jamelle Bouie",)  # "By Jamelle Bouie"
    presse = article("fundus__de-FreiePresse_2024_11_29.html")
    assert presse.outlet and "&amp;" not in presse.outlet
    assert presse.language == "de"


def test_widget_details_on_fixture_pages() -> None:
    posts = {e.status_id: e for e in article("trafilatura__basicthinking.de.tweets.html").embeds}
    habeck = posts["1002930867692597250"]
    assert habeck.kind == "blockquote"
    assert habeck.handle == "RobertHabeck"
    assert habeck.posted == "2018-06-02"  # "2. Juni 2018"
    assert habeck.author_name == "RobertHabeck"
    assert habeck.url == "https://twitter.com/RobertHabeck/status/1002930867692597250"
    amp = article("trafilatura__standard.co.uk.caribbean.html").embeds
    assert [(e.kind, e.status_id, e.handle) for e in amp] == [("amp", "1311697819384844290", None)]
    rendered = article("trafilatura__eltiempo.com-candidatos.html").embeds
    assert {e.kind for e in rendered} == {"iframe"}
    wapo = article("fundus__us-WashingtonPost_2024_04_26.html").embeds
    assert len(wapo) == 1 and wapo[0].kind == "blockquote" and wapo[0].markup.startswith("<a ")


# ---- hand-made pages: one per embed kind ---------------------------------------------------------


PROSE = "<p>The ministry said on Friday that talks would continue, officials told reporters here.</p>"


def page(body: str, head: str = "") -> bytes:
    """An article page with site furniture around the article."""
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>Talks - Outlet</title>{head}</head><body>"
        "<header class='site-header'><nav><a href='/'>Home</a> <a href='/world'>World news</a>"
        " <a href='https://twitter.com/outlet'>Follow us</a></nav></header>"
        f"<main><article><h1>Talks continue</h1>{PROSE}{body}"
        "<p>A second paragraph of the article, long enough to be prose and, like the first, kept.</p>"
        "</article></main>"
        "<footer><p>© 2025 Outlet Media. All rights reserved. Privacy Policy</p></footer></body></html>"
    ).encode()


def embeds_of(body: str, head: str = "") -> tuple[EmbeddedPost, ...]:
    return parse_html(page(body, head), id="t").embeds


def one(body: str, head: str = "") -> EmbeddedPost:
    embeds = embeds_of(body, head)
    assert len(embeds) == 1, embeds
    return embeds[0]


def test_tweet_blockquote_gives_text_author_handle_date_and_url() -> None:
    body = ('<blockquote class="twitter-tweet"><p lang="en" dir="ltr">We stand with our partners. '
            '<a href="https://t.co/abc">pic.twitter.com/abc</a></p>&mdash; MEA India (@MEAIndia) '
            '<a href="https://twitter.com/MEAIndia/status/1897000000000000001?ref_src=twsrc%5Etfw">'
            "March 3, 2025</a></blockquote>")
    post = one(body)
    assert (post.platform, post.kind, post.status_id) == ("x", "blockquote", "1897000000000000001")
    assert (post.handle, post.author_name, post.posted) == ("MEAIndia", "MEA India", "2025-03-03")
    assert post.text == "We stand with our partners. pic.twitter.com/abc"
    assert post.url == "https://twitter.com/MEAIndia/status/1897000000000000001"
    html = page(body).decode()
    assert html[post.offset:].startswith('<blockquote class="twitter-tweet">')
    article_ = parse_html(page(body), id="t")
    assert "We stand with our partners" not in article_.text


def test_wordpress_blockquote_with_signature_paragraph_and_foreign_date() -> None:
    post = one('<blockquote class="twitter-tweet" data-lang="de"><p>Erste Zeile.</p><p>Zweite Zeile.</p>'
               '<p>&mdash; Ministerium (@BMI_Bund) <a href="https://x.com/BMI_Bund/status/1897000000000000002">'
               "25. September 2018</a></p></blockquote>")
    assert post.text == "Erste Zeile.\nZweite Zeile."
    assert (post.handle, post.author_name, post.posted) == ("BMI_Bund", "Ministerium", "2018-09-25")
    assert post.url == "https://x.com/BMI_Bund/status/1897000000000000002"


def test_deleted_post_fallback_still_gives_the_status_id() -> None:
    post = one('<blockquote class="twitter-tweet"><a href="https://twitter.com/TomNamako/status/808782171829891072">'
               "This post may have been deleted (opens in a new tab)</a></blockquote>")
    assert (post.status_id, post.handle, post.text, post.posted) == ("808782171829891072", "TomNamako", None, None)


def test_placeholder_handle_x_is_not_the_author() -> None:
    post = one('<blockquote class="twitter-tweet"><a href="https://twitter.com/X/status/1926719756263993519">'
               "</a></blockquote>")
    assert (post.status_id, post.handle) == ("1926719756263993519", None)


def test_amp_twitter_id_merges_with_a_link_giving_the_handle() -> None:
    embeds = embeds_of('<amp-twitter data-tweetid="1311697819384844290" width="1" height="1"></amp-twitter>'
                       '<p>As <a href="https://twitter.com/StateDept/status/1311697819384844290">the department'
                       " said</a>, talks go on.</p>")
    assert [(e.kind, e.status_id, e.handle) for e in embeds] == [("amp", "1311697819384844290", "StateDept")]


def test_amp_twitter_with_a_url() -> None:
    post = one('<amp-twitter data-tweetid="https://x.com/jack/status/20000000"></amp-twitter>')
    assert (post.kind, post.status_id, post.handle) == ("amp", "20000000", "jack")


def test_rendered_widget_iframe_with_data_tweet_id() -> None:
    post = one('<div class="twitter-tweet twitter-tweet-rendered"><iframe id="twitter-widget-0" '
               'data-tweet-id="1521523341391282176" src="./files/Tweet.html"></iframe></div>'
               '<iframe id="rufous-sandbox" title="Twitter analytics iframe" src="about:blank"></iframe>')
    assert (post.kind, post.status_id, post.handle) == ("iframe", "1521523341391282176", None)
    assert post.url == "https://twitter.com/i/web/status/1521523341391282176"


def test_platform_iframe_id_and_not_the_creator_as_author() -> None:
    post = one('<iframe src="https://platform.twitter.com/embed/Tweet.html?dnt=false&amp;'
               'id=790936002017755136&amp;lang=en&amp;creatorScreenName=katiejmbaker"></iframe>')
    assert (post.kind, post.status_id, post.handle) == ("iframe", "790936002017755136", None)


def test_iframely_iframe() -> None:
    post = one('<iframe src="https://cdn.iframe.ly/api/iframe?url=https%3A%2F%2Ftwitter.com%2FPIB_India'
               '%2Fstatus%2F1777777777777777777&amp;key=abc"></iframe>')
    assert (post.kind, post.status_id, post.handle) == ("iframe", "1777777777777777777", "PIB_India")


@pytest.mark.parametrize("attribute", ["data-href", "data-url", "data-oembed-url", "data-src"])
def test_placeholder_holding_the_status_url(attribute: str) -> None:
    post = one(f'<div class="social-embed" {attribute}=" https://x.com/IrisTaoTV/status/1875707373559673271?mx=2">'
               "</div>")
    assert (post.kind, post.status_id, post.handle) == ("link", "1875707373559673271", "IrisTaoTV")
    assert post.url == "https://x.com/IrisTaoTV/status/1875707373559673271"


def test_placeholder_with_json_settings() -> None:
    post = one("<div class='embed' data-embed-config='{\"type\":\"twitter\",\"url\":\"https:\\/\\/twitter.com"
               "\\/PMOIndia\\/status\\/1900000000000000003\"}'></div>")
    assert (post.status_id, post.handle) == ("1900000000000000003", "PMOIndia")


@pytest.mark.parametrize("url,status_id,handle", [
    ("https://x.com/MEAIndia/status/1900000000000000010", "1900000000000000010", "MEAIndia"),
    ("https://twitter.com/MEAIndia/status/1900000000000000011?s=20", "1900000000000000011", "MEAIndia"),
    ("https://mobile.twitter.com/PMOIndia/status/1900000000000000012", "1900000000000000012", "PMOIndia"),
    ("http://twitter.com/#!/old_account/status/44444444444", "44444444444", "old_account"),
    ("https://twitter.com/usembassy/statuses/55555555555", "55555555555", "usembassy"),
    ("https://x.com/AmitShah/status/1900000000000000013/photo/1", "1900000000000000013", "AmitShah"),
    ("https://twitter.com/i/web/status/1900000000000000014", "1900000000000000014", None),
    ("https://twitter.com/statuses/1900000000000000015", "1900000000000000015", None),  # the API's old shape
])
def test_status_link_in_the_article(url: str, status_id: str, handle: str | None) -> None:
    post = one(f'<p>The embassy <a href="{url}">posted on X</a> on Friday, officials said today.</p>')
    assert (post.platform, post.kind, post.status_id, post.handle) == ("x", "link", status_id, handle)


def test_screenshot_standing_in_for_a_post_gives_its_text() -> None:
    post = one('<div class="social-embed"><a class="embed-original-post-link" '
               'href="https://twitter.com/AOC/status/1195458854617862144?s=20"><img alt="Twitter post by @AOC: '
               'Private equity groups’ predatory practices actively hurt millions" src="x.png"></a></div>')
    assert post.text == "Private equity groups’ predatory practices actively hurt millions"


def test_status_url_written_in_the_prose() -> None:
    post = one("<p>The post (https://x.com/MEAIndia/status/1900000000000000020) was deleted later on.</p>")
    assert (post.kind, post.status_id, post.handle) == ("text", "1900000000000000020", "MEAIndia")


def test_json_ld_article_body_counts() -> None:
    head = ('<script type="application/ld+json">{"@type":"NewsArticle","headline":"Talks",'
            '"datePublished":"2024-05-01T10:00:00Z","articleBody":"The ministry posted '
            'https://x.com/MEAIndia/status/1888888888888888888 on Friday."}</script>')
    post = one("", head)
    assert (post.status_id, post.handle) == ("1888888888888888888", "MEAIndia")


def test_embed_json_inside_the_article_counts() -> None:
    post = one('<div data-component="OEmbed"><script type="application/json">{"url": '
               '"https:\\/\\/x.com\\/Freddy2805\\/status\\/1828173076682383463"}</script></div>')
    assert (post.status_id, post.handle) == ("1828173076682383463", "Freddy2805")


def test_classless_blockquote_with_a_signature_is_an_embed_but_a_pull_quote_is_prose() -> None:
    body = ('<blockquote><p>Thanks to NCB for the cooperation.</p>&mdash; U.S. Embassy India (@USAndIndia) '
            '<a href="https://twitter.com/USAndIndia/status/1900000000000000001">January 22, 2025</a></blockquote>'
            '<blockquote><p>"We will act," <a href="https://twitter.com/AmitShah/status/1900000000000000002">'
            "Shah said</a>.</p></blockquote>")
    result = parse_html(page(body), id="t")
    kinds = {e.status_id: (e.kind, e.text) for e in result.embeds}
    assert kinds == {"1900000000000000001": ("blockquote", "Thanks to NCB for the cooperation."),
                     "1900000000000000002": ("link", None)}
    assert '"We will act," Shah said.' in result.text.split("\n\n")
    assert "Thanks to NCB" not in result.text


def test_instagram_embed() -> None:
    post = one('<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/CxYz123AbC/'
               '?utm_source=ig_embed" data-instgrm-version="14"><div><a href="https://www.instagram.com/p/CxYz123AbC/">'
               'View this post on Instagram</a><p><a href="https://www.instagram.com/p/CxYz123AbC/">Grateful for the '
               "warm welcome in Delhi today.</a></p><p>A post shared by Narendra Modi (@narendramodi) on "
               '<time datetime="2023-09-09T10:00:00+00:00">Sep 9, 2023</time></p></div></blockquote>')
    assert (post.platform, post.kind, post.status_id) == ("instagram", "blockquote", "CxYz123AbC")
    assert (post.handle, post.author_name, post.posted) == ("narendramodi", "Narendra Modi", "2023-09-09")
    assert post.text == "Grateful for the warm welcome in Delhi today."
    assert post.url == "https://www.instagram.com/p/CxYz123AbC/"


def test_instagram_iframe_and_link() -> None:
    embeds = embeds_of('<iframe src="https://www.instagram.com/p/CaBcDeFgHiJ/embed/captioned/"></iframe>'
                       '<p>See <a href="https://www.instagram.com/reel/CzZzZzZzZzZ/">the reel</a> from the visit.</p>')
    assert [(e.platform, e.kind, e.status_id) for e in embeds] == [
        ("instagram", "iframe", "CaBcDeFgHiJ"), ("instagram", "link", "CzZzZzZzZzZ")]


def test_facebook_post_embed_and_plugin_iframe() -> None:
    embeds = embeds_of(
        '<div class="fb-post" data-href="https://www.facebook.com/IndianEmbassyUS/posts/1234567890123456" '
        'data-width="500"><blockquote cite="https://www.facebook.com/IndianEmbassyUS/posts/1234567890123456" '
        'class="fb-xfbml-parse-ignore"><p>Ambassador met the delegation today.</p>Posted by '
        '<a href="https://www.facebook.com/IndianEmbassyUS/">Embassy of India</a> on '
        '<a href="https://www.facebook.com/IndianEmbassyUS/posts/1234567890123456">Thursday, August 27, 2015</a>'
        "</blockquote></div>"
        '<iframe src="https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2FMEAIndia'
        '%2Fposts%2F9876543210987&amp;width=500"></iframe>'
        '<iframe src="https://www.facebook.com/plugins/like.php?href=https%3A%2F%2Fwww.facebook.com%2FMEAIndia'
        '%2Fposts%2F1111111111111"></iframe>')
    assert [(e.platform, e.status_id, e.handle) for e in embeds] == [
        ("facebook", "1234567890123456", "IndianEmbassyUS"), ("facebook", "9876543210987", "MEAIndia")]
    assert embeds[0].text == "Ambassador met the delegation today."
    assert embeds[0].posted == "2015-08-27"


def test_threads_embed() -> None:
    post = one('<blockquote class="text-post-media" data-text-post-permalink="https://www.threads.net/@zuck/post/'
               'CuXFPIeLLod" data-text-post-version="0"><a href="https://www.threads.net/@zuck/post/CuXFPIeLLod">'
               "<div>Post by @zuck</div><div>View on Threads</div></a></blockquote>")
    assert (post.platform, post.kind, post.status_id, post.handle) == ("threads", "blockquote", "CuXFPIeLLod", "zuck")
    assert post.text is None


def test_truth_social_link_and_iframe_but_not_the_profile() -> None:
    embeds = embeds_of(
        '<p>Trump <a href="https://truthsocial.com/@realDonaldTrump/posts/113546215051155542">wrote</a> on Truth'
        ' Social that talks go on.</p>'
        '<iframe src="https://truthsocial.com/@realDonaldTrump/113546215051155543/embed" class="truthsocial-embed">'
        '</iframe><p>Follow <a href="https://truthsocial.com/@PaulSerran">the author</a> for more news.</p>')
    assert [(e.platform, e.kind, e.status_id, e.handle) for e in embeds] == [
        ("truth_social", "link", "113546215051155542", "realDonaldTrump"),
        ("truth_social", "iframe", "113546215051155543", "realDonaldTrump")]


def test_bluesky_embed_and_link() -> None:
    embeds = embeds_of(
        '<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/'
        '3laq4psmx2s2a" data-bluesky-cid="x"><p lang="en">Bluesky now has 20 million users!</p>&mdash; Bluesky '
        '(<a href="https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur?ref_src=embed">@bsky.app</a>) '
        '<a href="https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3laq4psmx2s2a?ref_src=embed">'
        "November 19, 2024 at 6:00 PM</a></blockquote>"
        '<p>Then <a href="https://bsky.app/profile/jay.bsky.team/post/3kabc123xyz">Jay Graber</a> replied.</p>')
    assert [(e.platform, e.kind, e.status_id, e.handle) for e in embeds] == [
        ("bluesky", "blockquote", "3laq4psmx2s2a", "bsky.app"), ("bluesky", "link", "3kabc123xyz", "jay.bsky.team")]
    assert embeds[0].text == "Bluesky now has 20 million users!"
    assert embeds[0].posted == "2024-11-19"
    assert embeds[0].url == "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3laq4psmx2s2a"


def test_youtube_community_post_but_not_a_video() -> None:
    post = one('<p>Watch <a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">the video</a> and read <a '
               'href="https://www.youtube.com/post/UgkxAbCdEfGhIjKlMnOpQrStUv">the channel post</a> too.</p>'
               '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>')
    assert (post.platform, post.status_id) == ("youtube", "UgkxAbCdEfGhIjKlMnOpQrStUv")


def test_widgets_in_wrappers_named_like_furniture_and_a_photo_credit() -> None:
    body = ('<div class="social-media"><blockquote class="twitter-tweet"><p>Talks resume.</p>&mdash; MEA (@MEAIndia) '
            '<a href="https://twitter.com/MEAIndia/status/1900000000000000030">May 2, 2025</a></blockquote></div>'
            '<figure class="wp-block-embed is-provider-twitter"><div class="wp-block-embed__wrapper">'
            '<blockquote class="twitter-tweet"><a href="https://twitter.com/PIB_India/status/1900000000000000031">'
            "</a></blockquote></div></figure>"
            '<figure><img src="talks.jpg"><figcaption class="caption">Delegates arrive. Image: '
            '<a href="https://twitter.com/WSig/status/1900000000000000032">@WSig</a> / X</figcaption></figure>')
    result = parse_html(page(body), id="t")
    assert [e.status_id for e in result.embeds] == [
        "1900000000000000030", "1900000000000000031", "1900000000000000032"]
    assert "Delegates arrive" not in result.text
    assert "Talks resume" not in result.text


def test_article_inside_wrappers_named_like_furniture_keeps_its_body() -> None:
    paragraphs = "".join(f"<p>Paragraph {i} of the article, with enough words, commas, and length.</p>"
                         for i in range(8))
    tweet = ('<blockquote class="twitter-tweet"><p>Post.</p>&mdash; A (@a_b) '
             '<a href="https://twitter.com/a_b/status/1900000000000000040">May 1, 2020</a></blockquote>')
    html = (f"<html><body><form id='aspnetForm'><div class='nav'><a href='/'>Home</a></div>"
            f"<div class='content js-sticky-sidebar hidden-print'><div class='story'>{paragraphs}{tweet}</div></div>"
            f"<div class='sidebar'><p>Most read stories of the week, every week, right here for you.</p></div>"
            f"</form></body></html>").encode()
    result = parse_html(html, id="t")
    assert result.text.count("Paragraph") == 8
    assert "Most read stories" not in result.text and "Home" not in result.text
    assert [e.status_id for e in result.embeds] == ["1900000000000000040"]


def test_short_article_does_not_pull_in_the_rest_of_the_page() -> None:
    html = (b"<html><body><div><article><p>The MEA posted on X that talks would resume on Monday.</p>"
            b'<blockquote class="twitter-tweet"><p>Talks resume Monday.</p>&mdash; MEA (@MEAIndia) '
            b'<a href="https://twitter.com/MEAIndia/status/1900000000000000050">May 2, 2025</a></blockquote>'
            b"</article><div><div>Elsewhere: a teaser for another story of the day</div></div></div></body></html>")
    result = parse_html(html, id="t")
    assert result.text == "The MEA posted on X that talks would resume on Monday."
    assert [e.text for e in result.embeds] == ["Talks resume Monday."]


def test_furniture_phrases_only_end_paragraphs_that_are_furniture() -> None:
    body = ("<p>ALSO READ | Talks stall again</p><p>► Read more: earlier coverage</p>"
            "<p>Subscribers to the service were told on Friday that talks would resume.</p>"
            "<p>“Sign up now,” the minister said, urging citizens to register for the scheme.</p>"
            "<p>Advertisement</p>")
    paragraphs = parse_html(page(body), id="t").text.split("\n\n")
    assert "Subscribers to the service were told on Friday that talks would resume." in paragraphs
    assert "“Sign up now,” the minister said, urging citizens to register for the scheme." in paragraphs
    assert not [p for p in paragraphs if "ALSO READ" in p or "Read more" in p or p == "Advertisement"]
    assert "All rights reserved" not in "\n".join(paragraphs) and "World news" not in "\n".join(paragraphs)


# ---- traps: links and ids that are not posts of the article ----------------------------------------


@pytest.mark.parametrize("markup", [
    # share buttons, even when the shared URL is a post
    '<p><a href="https://twitter.com/intent/tweet?url=https://twitter.com/a/status/1999999999999999991">Tweet</a></p>',
    '<p><a href="https://twitter.com/share?url=https%3A%2F%2Ftwitter.com%2Fa%2Fstatus%2F1999999999999999992">S</a></p>',
    '<p><a href="https://x.com/intent/post?text=Talks&amp;url=https://x.com/a/status/1999999999999999993">Post</a></p>',
    '<p><a href="https://www.facebook.com/sharer/sharer.php?u=https://www.facebook.com/x/posts/1999999999999999994">'
    "Share</a></p>",
    '<div class="share-tools"><a href="https://twitter.com/a/status/1999999999999999995">Share on X</a></div>',
    '<div data-share-url="https://twitter.com/x/status/1999999999999999996"></div>',
    # follow and profile links
    '<p>Follow <a href="https://twitter.com/outlet">@outlet</a> and <a href="https://x.com/intent/follow?'
    'screen_name=outlet">follow</a> and <a href="https://www.instagram.com/outlet/">Instagram</a>.</p>',
    '<a class="twitter-timeline" href="https://twitter.com/outlet?ref_src=twsrc%5Etfw">Tweets by outlet</a>',
    # links in furniture
    '<nav><a href="https://twitter.com/n/status/1999999999999999997">Nav</a></nav>',
    '<footer><a href="https://twitter.com/f/status/1999999999999999998">Footer</a></footer>',
    '<ul class="related-stories"><li><a href="https://twitter.com/r/status/1999999999999999999">Related</a></li></ul>',
    '<aside class="sidebar"><blockquote class="twitter-tweet"><a href="https://twitter.com/s/status/1888888888888888881">'
    "Sidebar</a></blockquote></aside>",
    '<div id="comments"><p>User: see <a href="https://twitter.com/c/status/1888888888888888882">this</a></p></div>',
    '<div class="most-popular"><a href="https://x.com/p/status/1888888888888888883">Popular</a></div>',
    # a post id in an unrelated script (page state, another article)
    '<script>var state = {"tweet": "https://twitter.com/z/status/1888888888888888884", "id": "1888888888888888885"};'
    "</script>",
    '<script type="application/json">{"related": "<blockquote class=\\"twitter-tweet\\"><a href=\\"https:\\/\\/'
    'twitter.com\\/Android\\/status\\/1656367346284392466\\">x</a></blockquote>"}</script>',
    # commented-out embed, widget script, CSS rule
    '<!-- <blockquote class="twitter-tweet"><a href="https://twitter.com/o/status/1888888888888888886">x</a>'
    "</blockquote> -->",
    '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
    "<style>.twitter-tweet { margin: 0 auto; }</style>",
    # a site's own timeline template, hashtag and search links
    '<iframe src="/themes/site/tpl/twitter.html"></iframe><a href="https://twitter.com/hashtag/talks">#talks</a>',
])
def test_traps_are_not_posts(markup: str) -> None:
    assert embeds_of(markup) == ()


def test_traps_outside_the_article_in_the_page_head_and_sidebar() -> None:
    html = page("").replace(
        b"</main>",
        b'</main><aside><h3>Latest tweets</h3><a href="https://twitter.com/outlet/status/1777777777777777770">'
        b"Our latest</a></aside><div class='newsletter-signup'><a href='https://x.com/o/status/1777777777777777771'>"
        b"x</a></div>")
    assert parse_html(html, id="t").embeds == ()


# ---- find_embeds on its own ------------------------------------------------------------------------


def test_find_embeds_takes_text_an_lxml_tree_or_a_soup() -> None:
    html = page('<blockquote class="twitter-tweet"><p>Hello.</p>&mdash; A (@a_b) '
                '<a href="https://twitter.com/a_b/status/12345678901">May 1, 2020</a></blockquote>').decode()
    from_text = find_embeds(html)
    from_tree = find_embeds(lxml.html.document_fromstring(html))
    from_soup = find_embeds(BeautifulSoup(html, "lxml"))
    for embeds in (from_text, from_tree, from_soup):
        assert [(e.status_id, e.handle, e.text, e.posted) for e in embeds] == [
            ("12345678901", "a_b", "Hello.", "2020-05-01")]
    assert html[from_text[0].offset:].startswith("<blockquote")
    assert find_embeds("") == ()


# ---- bad input ---------------------------------------------------------------------------------------


def test_truncated_html_gives_what_it_has() -> None:
    result = parse_html(b"<html><head><title>T</title></head><body><p>Hello world, this is a truncated para",
                        id="t")
    assert result.text == "Hello world, this is a truncated para"
    assert result.title == "T"


def test_page_without_body_or_markup() -> None:
    result = parse_html(b"<p>One paragraph, see https://twitter.com/a/status/1234567890 for the post.</p>", id="t")
    assert result.text.startswith("One paragraph")
    assert [e.status_id for e in result.embeds] == ["1234567890"]
    assert parse_html(b"Just text, no markup at all.", id="t").text == "Just text, no markup at all."


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_empty_page_is_a_page_error(data: bytes) -> None:
    with pytest.raises(PageError, match=r"^empty page$"):
        parse_html(data, id="t")


def test_twenty_megabyte_page() -> None:
    paragraph = b"<p>Some paragraph text with <a href='/x'>a link</a> and more words, repeated here.</p>\n"
    data = (b"<html><body><article>" + paragraph * (20_000_000 // len(paragraph))
            + b'<blockquote class="twitter-tweet"><p>Last.</p>&mdash; A (@a) '
            b'<a href="https://twitter.com/a/status/12345678901">May 1, 2020</a></blockquote>'
            b"</article></body></html>")
    assert len(data) > 20_000_000
    result = parse_html(data, id="big")
    assert result.text.startswith("Some paragraph text with a link")
    assert [e.status_id for e in result.embeds] == ["12345678901"]


def test_twenty_megabyte_text_node() -> None:
    result = parse_html(b"<html><body><p>" + b"word " * 4_000_000 + b"</p></body></html>", id="big")
    assert isinstance(result, Article)


def test_page_over_the_size_limit_is_refused() -> None:
    with pytest.raises(PageError, match=r"^page too large"):
        parse_html(b" " * (MAX_HTML_BYTES + 1), id="t")


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
    gzip.compress(page("<p>compressed page saved as .html</p>")),
    b"%PDF-1.7\n" + bytes(range(256)) * 40,
    bytes(range(256)) * 100,
    b"<html>" + b"\x00\x01\x02\x03" * 5000,
])
def test_binary_data_is_a_one_line_page_error(data: bytes) -> None:
    with pytest.raises(PageError) as error:
        parse_html(data, id="t.html")
    assert str(error.value) == "binary data, not HTML"


def test_nesting_100000_levels_deep_is_no_recursion_error() -> None:
    deep = (b"<html><body><p>Before the deep part, long enough to be prose here.</p>" + b"<div>" * 100_000
            + b"deep" + b"</div>" * 100_000 + b"<p>after</p></body></html>")
    result = parse_html(deep, id="deep")
    assert result.text.startswith("Before the deep part")
    unclosed = b"<html><body><p>Before.</p>" + b"<span><b><i><blockquote class='twitter-tweet'>" * 30_000 + b"x"
    assert isinstance(parse_html(unclosed, id="deep"), Article)
    assert isinstance(find_embeds(unclosed.decode()), tuple)


def test_embeds_300_levels_deep_are_still_found() -> None:
    body = ("<div>" * 300 + "<p>Deep paragraph, 300 levels down, still long enough to read.</p>"
            '<blockquote class="twitter-tweet"><p>Deep post</p>&mdash; A (@a) '
            '<a href="https://twitter.com/a/status/12345678901">May 1, 2020</a></blockquote>' + "</div>" * 300)
    result = parse_html(page(body), id="t")
    assert [(e.status_id, e.text) for e in result.embeds] == [("12345678901", "Deep post")]
    assert "Deep paragraph, 300 levels down" in result.text


def test_deeply_nested_json_ld_and_a_tag_with_a_flood_of_attributes() -> None:
    deep_json = b"<script type='application/ld+json'>" + b"[" * 100_000 + b"]" * 100_000 + b"</script>"
    assert isinstance(parse_html(page("").replace(b"</head>", deep_json + b"</head>"), id="t"), Article)
    flood = b"<div " + b" ".join(b"data-a%d='x'" % i for i in range(30_000)) + b">hi</div>"
    assert "hi" in parse_html(b"<html><body>" + flood + b"</body></html>", id="t").text


# ---- decoding ---------------------------------------------------------------------------------------


SAMPLE = "<html><body><p>“Curly quotes”, café, Zürich — the ministry posted on X.</p></body></html>"


def test_utf8_page_labelled_latin1_is_read_as_utf8() -> None:
    mislabelled = SAMPLE.replace("<html>", "<html><head><meta charset='iso-8859-1'></head>").encode("utf-8")
    assert "“Curly quotes”, café, Zürich —" in decode_html(mislabelled)
    assert "“Curly quotes”, café" in decode_html(SAMPLE.encode("utf-8"), declared_charset="windows-1252")
    result = parse_html(mislabelled, id="t", declared_charset="iso-8859-1")
    assert result.text == "“Curly quotes”, café, Zürich — the ministry posted on X."


def test_windows1252_page_labelled_utf8_is_detected() -> None:
    data = SAMPLE.replace("<html>", "<html><head><meta charset='utf-8'></head>").encode("cp1252")
    assert "“Curly quotes”, café, Zürich —" in decode_html(data)
    assert "“Curly quotes”, café" in decode_html(data, declared_charset="utf-8")


def test_legacy_charsets_latin1_label_and_byte_order_marks() -> None:
    assert "café" in decode_html("<p>café “x”</p>".encode("cp1252"), declared_charset="iso-8859-1")
    japanese = "<html><head><meta charset='shift_jis'></head><body><p>外務省が投稿しました。</p></body></html>"
    assert "外務省が投稿しました" in decode_html(japanese.encode("shift_jis"))
    assert decode_html(SAMPLE.encode("utf-8-sig")) == SAMPLE
    assert decode_html(SAMPLE.encode("utf-16")) == SAMPLE
    assert decode_html(SAMPLE.encode("utf-16-le")) == SAMPLE


def test_decode_refuses_binary_and_never_raises_for_text() -> None:
    with pytest.raises(PageError):
        decode_html(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert decode_html(b"plain ascii") == "plain ascii"
    assert decode_html(b"") == ""
    legacy = ("<html><body><p>The caf\xe9 owner said \x93we will reopen\x94 on Monday, officials in "
              "Z\xfcrich said.</p></body></html>")
    assert decode_html(legacy.encode("latin-1")) == legacy.encode("latin-1").decode("cp1252")
