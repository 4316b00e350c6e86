-- Every citation of every post: which article, which sentence, which span.
with
final as (
    select
        c.post_id,
        p.actor_id,
        p.platform,
        p.posted,
        a.outlet,
        a.url,
        a.published,
        c.cue,
        c.sentence,
        c.sentence_start,
        c.sentence_end,
    from post_citations as c
    join posts as p using (post_id)
    join articles as a using (article_id)
)
select * from final order by post_id, published;
