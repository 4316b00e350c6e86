-- Failing rows: posts that no article cites.
select p.post_id from posts as p
where not exists (select 1 from post_citations as c where c.post_id = p.post_id);
