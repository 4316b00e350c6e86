"""Resolution of what extraction found into stored identities: actors and posts.

A post's identity is derived deterministically so that two articles (or two ingestion
workers) meeting the same post produce one row: platform and status id when known, otherwise
the actor, the platform and the normalised opening words of the quote. A post known only by
paraphrase cannot be matched across articles safely, so its identity stays local to its article.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from tracker.models import PostRef
from tracker.registry import Registry, normalise_name

# Words of the quote that identify a post across articles; more would split one post quoted
# at different lengths, fewer would merge two posts that open alike.
IDENTITY_WORDS = 12


def normalised_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\u2018\u2019'`]", "", text)
    return re.findall(r"\w+", text)


def actor_id_for(post: PostRef, registry: Registry) -> str | None:
    """The registry handle, the printed handle, or '~name' for a poster known only by name."""
    actor = registry.get(post.actor)
    if actor is not None:
        return actor.handle
    if post.actor:
        return post.actor.lstrip("@")
    if post.actor_name:
        name = normalise_name(post.actor_name)
        return f"~{name}" if name else None
    return None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def post_identity(post: PostRef, article_id: str, registry: Registry) -> str:
    if post.status_id:
        return f"{post.platform}:{post.status_id}"
    words = normalised_words(post.text)
    actor = actor_id_for(post, registry) or "?"
    if words:
        return "q:" + _digest(post.platform, actor.lower(), " ".join(words[:IDENTITY_WORDS]))
    return "a:" + _digest(article_id, post.key, actor.lower(), post.platform)
