-- Incremental web ingestion: what we know of each URL and when each source last ran.

create table url_state (
    url varchar primary key,          -- canonical URL as fetched
    etag varchar,                     -- validators for the next conditional GET
    last_modified varchar,
    content_hash varchar,             -- of the article text last stored from it
    status integer,
    article_id varchar,
    last_fetched timestamp not null default current_timestamp,
);

create table source_state (
    name varchar primary key,
    last_run timestamp not null,
);
