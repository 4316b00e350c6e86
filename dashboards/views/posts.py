"""Posts: full-text search over post text, and one post's provenance.

The provenance view lists every article and outlet citing the post (wire copies of one story
count once), the earliest citation, the quote variants, the evidence sentences and the reply
chain up and down as a tree. The query and the post live in the URL (``?q=...&post=...``).
"""

from __future__ import annotations

import streamlit as st
import ui

from tracker import dashboard_data
from tracker.filters import Filters

QUERY_KEY = "posts_query"
POST_KEY = "posts_post"

st.title("Posts")
ui.stop_if_empty()

state = ui.url_state("posts", ("q", "post"))
if "q" in state:
    st.session_state[QUERY_KEY] = state["q"][0][:500]
query = st.text_input("Search post text", key=QUERY_KEY, max_chars=500,
                      placeholder="words from the post, e.g. synthetic opioids")
results = ui.search_posts(query, Filters(), 200)

ui.select_from_url(state, "post", POST_KEY, lambda p: not ui.post_detail(p).empty, "post")
choices = ui.with_current(list(results["post_id"]), POST_KEY)
texts = {row.post_id: f"{ui.present(row.actor) or 'unknown poster'}: {ui.present(row.text)[:90] or '(paraphrased)'}"
         for row in results.itertuples(index=False)}

matching = f" matching “{query.strip()}”" if query.strip() else ", most recent first"
st.caption(ui.plural(len(results), "post") + matching)
st.dataframe(
    results.drop(columns=["actor_id", "score"]), hide_index=True, key="posts-table",
    column_config={
        "text": st.column_config.TextColumn("Text", width="large"),
        "stories": st.column_config.NumberColumn("Stories", help="Wire copies of one story count once."),
        "articles": "Articles", "outlets": "Outlets",
    },
)
downloads = st.columns(3)
for column, fmt in zip(downloads, ("csv", "parquet", "jsonl"), strict=True):
    with column:
        st.download_button(f"All posts as {fmt.upper()}",
                           data=lambda fmt=fmt: ui.export_download("posts", fmt, Filters()),
                           file_name=f"posts.{fmt}", key=f"download-posts-{fmt}", on_click="ignore")

post = st.selectbox("Post", choices, index=None, key=POST_KEY, placeholder="Choose a post to see its provenance",
                    format_func=lambda p: texts.get(p, p))
ui.set_url({"q": query.strip(), "post": post or ""})
if post is None:
    st.stop()

detail = ui.post_detail(post)
if detail.empty:
    st.warning(f"no post {post!r} in this database")
    st.stop()
row = detail.iloc[0]
st.subheader(f"{ui.present(row['actor']) or 'Unknown poster'} on {ui.present(row['platform'])}")
st.text(ui.present(row["text"]) or "(the articles paraphrase this post without quoting it)")
st.caption(f"Posted {ui.present(row['posted']) or 'on an unknown date'} · id {post}"
           + (f" · status {ui.present(row['status_id'])}" if ui.present(row["status_id"]) else ""))
if link := ui.web_link(row["url"]):
    st.link_button("Open the post", link)

citations = ui.post_citations(post)
outlets = sorted({ui.present(o) for o in citations["outlet"] if ui.present(o)})
metrics = st.columns(3)
metrics[0].metric("Stories", int(row["stories"]))
metrics[1].metric("Citing articles", int(row["articles"]))
metrics[2].metric("Outlets", len(outlets))
st.text(f"Outlets: {', '.join(outlets) or 'unknown'}")
if not citations.empty:
    earliest = citations.iloc[0]
    st.text(f"Earliest citation: {ui.present(earliest['outlet']) or 'unknown outlet'},"
            f" {ui.present(earliest['published']) or 'undated'}"
            f" — {ui.present(earliest['article_title']) or '(untitled)'}")

st.subheader("Citing articles and evidence")
shown = citations.assign(article_url=citations["article_url"].map(ui.web_link))
st.dataframe(
    shown[["outlet", "published", "article_title", "article_url", "story_id", "actor_name", "cue", "sentence"]],
    hide_index=True, key="post-citations",
    column_config={
        "article_url": st.column_config.LinkColumn("Link"),
        "sentence": st.column_config.TextColumn("Evidence sentence", width="large"),
        "actor_name": "Poster as written",
    },
)
for citation in citations.itertuples(index=False):
    st.page_link("views/articles.py", label=f"Read in {ui.present(citation.outlet) or 'the article'}",
                 icon="📰", query_params={"article": str(citation.article_id)})

st.subheader("Quote variants")
variants = dashboard_data.quote_variants(citations)
if variants.empty:
    st.text("No article quotes this post word for word.")
else:
    st.dataframe(variants, hide_index=True, key="post-variants",
                 column_config={"quote": st.column_config.TextColumn("Quote", width="large")})


st.subheader("Reply chain")
tree = ui.reply_tree(post)
if len(tree) <= 1:
    st.text("No post answers this one, and it answers none.")
else:
    st.text("\n".join(dashboard_data.tree_lines(tree, post)))
