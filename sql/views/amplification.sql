-- Views are re-created on every `tracker init` and migration run (they hold no data).

create or replace view post_actors as
with
posts_ as (select * from posts),
actors_ as (select * from actors),
final as (
    select
        p.post_id,
        p.platform,
        p.posted,
        p.actor_id,
        coalesce(a.display_name, p.actor_id) as actor_name,
        a.government,
        a.kind,
        coalesce(a.in_registry, false) as in_registry,
    from posts_ as p
    left join actors_ as a on a.actor_id = p.actor_id
)
select * from final;

-- One row per occurrence of an actor -> actor edge: a post answering, reposting, quoting or
-- naming another actor's post (post_relations), or naming another account (post_mentions).
-- The dashboard and `tracker export` filter these rows, then aggregate them into edges.
create or replace view amplification_edge_posts as
with
relations_ as (
    select
        r.relation,
        r.article_id,
        r.source_post,
        r.target_post,
        src.actor_id as source_actor,
        dst.actor_id as target_actor,
        src.posted as posted,
        src.platform as platform,
    from post_relations as r
    join post_actors as src on src.post_id = r.source_post
    join post_actors as dst on dst.post_id = r.target_post
),
mentions_ as (
    select
        'mention' as relation,
        m.article_id,
        m.post_id as source_post,
        null as target_post,
        p.actor_id as source_actor,
        m.actor_id as target_actor,
        p.posted as posted,
        p.platform as platform,
    from post_mentions as m
    join post_actors as p on p.post_id = m.post_id
    where m.actor_id is not null
),
all_edges as (
    select * from relations_
    union all
    select * from mentions_
),
final as (
    select
        e.*,
        sa.government as source_government,
        ta.government as target_government,
        coalesce(sa.government, '?') <> coalesce(ta.government, '?') as cross_government,
    from all_edges as e
    left join actors as sa on sa.actor_id = e.source_actor
    left join actors as ta on ta.actor_id = e.target_actor
    where e.source_actor is not null
      and e.target_actor is not null
      and e.source_actor <> e.target_actor
)
select * from final;

create or replace view amplification_edges as
with
occurrences as (select * from amplification_edge_posts),
final as (
    select
        source_actor,
        target_actor,
        relation,
        count(*) as n,
        count(distinct article_id) as articles,
        any_value(cross_government) as cross_government,
        any_value(source_government) as source_government,
        any_value(target_government) as target_government,
        min(posted) as first_posted,
        max(posted) as last_posted,
    from occurrences
    group by source_actor, target_actor, relation
)
select * from final;
