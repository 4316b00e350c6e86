-- Stories: an agency story syndicated by several outlets is one story (tracker/stories.py assigns
-- article_stories). An article not assigned yet is its own story until the next ingestion run.

create or replace view story_articles as
with
articles_ as (select * from articles),
stories as (select * from article_stories),
final as (
    select
        a.article_id,
        coalesce(s.story_id, a.article_id) as story_id,
        coalesce(
            nullif(a.outlet, ''),
            nullif(regexp_extract(a.url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:www\.)?([^/:?#]+)', 1), '')
        ) as outlet,
        a.title,
        a.url,
        a.published,
        a.fetched_at,
    from articles_ as a
    left join stories as s on s.article_id = a.article_id
)
select * from final;

-- One row per post and story citing it: how many articles of the story cite it, on which outlets.
create or replace view post_stories as
with
citations as (select distinct post_id, article_id from post_citations),
story_articles_ as (select * from story_articles),
final as (
    select
        c.post_id,
        s.story_id,
        count(*) as articles,
        list_sort(list_distinct(list(s.outlet))) as outlets,
        min(s.published) as first_published,
        min(s.fetched_at) as first_fetched,
    from citations as c
    join story_articles_ as s on s.article_id = c.article_id
    group by c.post_id, s.story_id
)
select * from final;

-- Per post: "cited by N stories (M articles; outlets ...)", so syndication does not inflate counts.
create or replace view post_story_counts as
with
citations as (select distinct post_id, article_id from post_citations),
story_articles_ as (select * from story_articles),
final as (
    select
        c.post_id,
        count(distinct s.story_id) as stories,
        count(*) as articles,
        list_sort(list_distinct(list(s.outlet))) as outlets,
    from citations as c
    join story_articles_ as s on s.article_id = c.article_id
    group by c.post_id
)
select * from final;
