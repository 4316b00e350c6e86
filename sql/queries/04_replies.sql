-- Post-to-post relations with the evidence sentence.
select
    r.relation,
    src.actor_id as source_actor,
    dst.actor_id as target_actor,
    r.evidence,
from post_relations as r
join posts as src on src.post_id = r.source_post
join posts as dst on dst.post_id = r.target_post
order by r.relation;
