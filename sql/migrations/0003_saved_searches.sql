-- Saved searches: a named view of the dashboard (its page and URL query parameters).
-- Never edit once landed: add a new numbered migration instead.

create table saved_searches (
    name varchar primary key,
    page varchar not null,            -- the dashboard page's URL path: graph, accounts, posts, ...
    params varchar not null,          -- JSON object: the page's URL query parameters
    created_at timestamp not null default current_timestamp,
    updated_at timestamp not null default current_timestamp,
);
