"""Accounts: the registry with counts; one account's posts, who it amplifies and who amplifies it.

The selected account lives in the URL (``?account=...``). Unknown posters (cited but not in the
registry) are listed as candidates for seeds/actors.csv.
"""

from __future__ import annotations

import streamlit as st
import ui

ACCOUNT_KEY = "accounts_account"

st.title("Accounts")
ui.stop_if_empty()

table = ui.accounts()
labels = {
    row.actor_id: f"{ui.present(row.display_name)} ({row.actor_id})" for row in table.itertuples(index=False)
}
ui.select_from_url(ui.url_state("accounts", ("account",)), "account", ACCOUNT_KEY, labels.__contains__, "account")

account = st.selectbox("Account", list(labels), format_func=lambda a: labels.get(a, a), index=None,
                       placeholder="Choose an account", key=ACCOUNT_KEY)
ui.set_url({"account": account or ""})

if account is None:
    st.subheader("Registry")
    st.dataframe(
        table, hide_index=True, key="accounts-table",
        column_config={
            "actor_id": "Account", "display_name": "Name", "government": "Government", "kind": "Kind",
            "in_registry": st.column_config.CheckboxColumn("In registry"), "posts": "Posts",
            "citing_articles": "Citing articles", "outlets": "Outlets",
            "first_seen": st.column_config.TextColumn("First cited", help="Date of the first article citing a post"),
            "last_seen": st.column_config.TextColumn("Last cited", help="Date of the last article citing a post"),
        },
    )
    st.subheader("Unknown posters worth adding to the registry")
    unknown = ui.unknown_posters()
    if unknown.empty:
        st.text("None: every cited poster is in the registry.")
    else:
        st.dataframe(unknown, hide_index=True, key="unknown-table", column_config={
            "actor_id": "Id", "display_name": "Name as written", "posts": "Posts",
            "citing_articles": "Citing articles", "outlets": "Outlets",
            "example": st.column_config.TextColumn("Example evidence", width="large"),
        })
    st.stop()

row = ui.account(account).iloc[0]
st.subheader(labels[account])
metrics = st.columns(5)
metrics[0].metric("Posts", int(row["posts"]))
metrics[1].metric("Citing articles", int(row["citing_articles"]))
metrics[2].metric("Outlets", int(row["outlets"]))
metrics[3].metric("First cited", ui.present(row["first_seen"]) or "—")
metrics[4].metric("Last cited", ui.present(row["last_seen"]) or "—")
st.caption(f"Government: {ui.present(row['government']) or 'unknown'} · kind: {ui.present(row['kind']) or 'unknown'}"
           f" · {'in the registry' if row['in_registry'] else 'not in the registry'}")

edges = ui.actor_edges(account)
left, right = st.columns(2)
for column, direction, title in ((left, "amplifies", "Amplifies"), (right, "amplified by", "Amplified by")):
    with column:
        st.markdown(f"**{title}**")
        part = edges[edges["direction"] == direction].drop(columns=["direction"])
        if part.empty:
            st.text("No one.")
        else:
            st.dataframe(part, hide_index=True, key=f"edges-{direction}", column_config={
                "other_actor": "Account", "other_name": "Name", "other_government": "Government",
                "relation": "Relation", "n": "Times", "articles": "Articles",
            })

st.subheader("Posts")
posts = ui.actor_posts(account)
if posts.empty:
    st.text("No cited posts by this account; other posts name it.")
else:
    shown = posts.drop_duplicates("post_id")[["post_id", "posted", "platform", "text"]]
    st.dataframe(shown, hide_index=True, key="account-posts",
                 column_config={"text": st.column_config.TextColumn("Text", width="large")})
    for post_id in shown["post_id"]:
        st.page_link("views/posts.py", label=f"Provenance of {post_id}", icon="🔎", query_params={"post": post_id})
