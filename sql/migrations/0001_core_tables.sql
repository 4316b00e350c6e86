-- The provenance record: registry, articles, posts and the evidence tying them together.
-- Never edit once landed: add a new numbered migration instead.

create table actors (
    actor_id varchar primary key,     -- the registry handle, or '~' || normalised name for an unknown poster
    handle varchar,                   -- null for a poster outside the registry whose handle is unknown
    platform varchar not null default 'x',
    display_name varchar not null,
    aliases varchar[] not null default [],
    titles varchar[] not null default [],
    government varchar,               -- country code (IN, US, ...); null when unknown
    kind varchar,                     -- ministry | embassy | official | agency | media | person
    parent varchar,
    in_registry boolean not null default false,
);

create table articles (
    article_id varchar primary key,   -- sha256 of the canonical URL, or of the source path
    url varchar,
    source varchar not null,
    outlet varchar,
    title varchar,
    published varchar,                -- YYYY-MM-DD as the article gives it
    language varchar,
    authors varchar[] not null default [],
    content_hash varchar not null,
    text varchar not null,
    fetched_at timestamp not null default current_timestamp,
    updated_at timestamp not null default current_timestamp,
);

create table posts (
    post_id varchar primary key,      -- deterministic: platform+status id, else actor+platform+quote
    platform varchar not null,
    actor_id varchar,                 -- null when the poster could not be resolved at all
    status_id varchar,
    url varchar,
    text varchar,                     -- best known text: the longest quoted rendition
    posted varchar,                   -- YYYY-MM-DD or YYYY-MM
    posted_granularity varchar,       -- day | month
    confidence double not null default 1.0,
    first_seen timestamp not null default current_timestamp,
);

create table post_citations (
    article_id varchar not null,
    post_key varchar not null,        -- the post's key inside the article (p1, p2, ...)
    post_id varchar not null,
    actor_name varchar,               -- the poster's name as the article writes it
    quote varchar[] not null default [],
    quote_starts integer[] not null default [],
    quote_ends integer[] not null default [],
    paraphrase boolean not null,
    cue varchar,
    cue_start integer,
    cue_end integer,
    sentence varchar not null,        -- the evidence sentence
    sentence_start integer not null,
    sentence_end integer not null,
    platform_inferred boolean not null default false,
    embed_kind varchar,
    posted varchar,
    confidence double not null default 1.0,
    primary key (article_id, post_key),
);

create table post_relations (
    article_id varchar not null,
    source_post varchar not null,
    target_post varchar not null,
    relation varchar not null,        -- reply | response | repost | quote | mention
    evidence varchar not null,
    span_start integer not null,
    span_end integer not null,
    primary key (article_id, source_post, target_post, relation),
);

create table post_mentions (
    article_id varchar not null,
    post_id varchar not null,
    actor_id varchar,
    actor_name varchar not null,
    span_start integer not null,
    span_end integer not null,
    primary key (article_id, post_id, actor_name, span_start),
);

create table runs (
    run_id varchar primary key,
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,          -- running | finished | failed
    sources integer not null default 0,
    fetched integer not null default 0,
    not_modified integer not null default 0,
    new_articles integer not null default 0,
    updated integer not null default 0,
    unchanged integer not null default 0,
    posts integer not null default 0,
    relations integer not null default 0,
    errors integer not null default 0,
    options varchar,
);

create table fetches (
    run_id varchar not null,
    url varchar not null,
    status integer,                   -- HTTP status, or null for a local file / a failure before any response
    bytes bigint,
    elapsed_ms double,
    error varchar,                    -- one line; null on success
    error_kind varchar,
    fetched_at timestamp not null default current_timestamp,
);
