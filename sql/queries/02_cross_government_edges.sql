-- Who answers, reposts or names whom across governments.
select
    source_actor,
    source_government,
    relation,
    target_actor,
    target_government,
    n,
    first_posted,
    last_posted,
from amplification_edges
where cross_government
order by n desc;
