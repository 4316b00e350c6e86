-- Posts per account, with how many articles cite them.
with
citations as (select * from post_citations),
final as (
    select
        p.actor_id,
        p.actor_name,
        p.government,
        count(distinct p.post_id) as posts,
        count(distinct c.article_id) as citing_articles,
    from post_actors as p
    join citations as c on c.post_id = p.post_id
    group by all
)
select * from final order by posts desc, citing_articles desc;
