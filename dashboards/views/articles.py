"""Articles: the list, and one article's text with its evidence spans highlighted.

The text is escaped character by character (tracker.dashboard_data.highlight_html) and shown
with st.html, which renders no Markdown: a ``<script>`` or ``**bold**`` in an article is text.
The search and the article live in the URL (``?q=...&article=...``).
"""

from __future__ import annotations

import streamlit as st
import ui

from tracker import dashboard_data

QUERY_KEY = "articles_query"
ARTICLE_KEY = "articles_article"
LEGEND = (
    "<style>.article-text mark{padding:0 1px;border-radius:2px}"
    ".ev-sentence{background:#fff3bf}.ev-quote{background:#ffd8a8}.ev-cue{background:#d0ebff}"
    ".ev-relation{background:#d3f9d8}.ev-mention{background:#eebefa}</style>"
)

st.title("Articles")
ui.stop_if_empty()

state = ui.url_state("articles", ("q", "article"))
if "q" in state:
    st.session_state[QUERY_KEY] = state["q"][0][:500]
query = st.text_input("Filter by title, outlet or URL", key=QUERY_KEY, max_chars=500)
listing = ui.articles(query, 500)

ui.select_from_url(state, "article", ARTICLE_KEY, lambda a: not ui.article_detail(a).empty, "article")

st.caption(f"{len(listing)} articles" + (" (the newest 500)" if len(listing) == 500 else ""))
st.dataframe(listing.assign(url=listing["url"].map(ui.web_link)), hide_index=True, key="articles-table",
             column_config={"url": st.column_config.LinkColumn("Link"), "posts": "Posts cited"})

choices = ui.with_current(list(listing["article_id"]), ARTICLE_KEY)
titles = {row.article_id: f"{ui.present(row.outlet) or 'unknown outlet'} · {ui.present(row.published) or 'undated'}"
          f" · {ui.present(row.title) or ui.present(row.source)}" for row in listing.itertuples(index=False)}
article = st.selectbox("Article", choices, index=None, key=ARTICLE_KEY, placeholder="Choose an article to read",
                       format_func=lambda a: titles.get(a, a))
ui.set_url({"q": query.strip(), "article": article or ""})
if article is None:
    st.stop()

detail = ui.article_detail(article)
if detail.empty:
    st.warning(f"no article {article!r} in this database")
    st.stop()
row = detail.iloc[0]
st.subheader(ui.present(row["title"]) or "(untitled)")
st.caption(f"{ui.present(row['outlet']) or 'unknown outlet'} · {ui.present(row['published']) or 'undated'}"
           f" · {ui.present(row['url']) or ui.present(row['source'])}")
if link := ui.web_link(row["url"]):
    st.link_button("Open the original", link)
spans = ui.article_spans(article)
st.caption(f"{len(spans)} evidence spans: sentences (yellow), quotes (orange), cues (blue), relations (green),"
           " mentions (violet)")
st.html(LEGEND + dashboard_data.highlight_html(ui.present(row["text"]), spans))
