-- Wire copy: each article's story, so one agency story syndicated by several outlets counts once.
-- Never edit once landed: add a new numbered migration instead.

create table article_stories (
    article_id varchar primary key,
    story_id varchar not null,        -- the article_id of the story's earliest article
    content_hash varchar not null,    -- of the article text the signature was made from
    shingles integer not null,        -- word 5-grams in the normalised text
    minhash blob,                     -- 128 little-endian uint32 MinHash values; null when too short to sign
    assigned_at timestamp not null default current_timestamp,
);
