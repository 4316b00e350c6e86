-- Failing rows: citations whose evidence span is empty or outside the article text.
select c.article_id, c.post_key
from post_citations as c
join articles as a using (article_id)
where c.sentence_end <= c.sentence_start
   or c.sentence_end > length(a.text)
   or substr(a.text, c.sentence_start + 1, c.sentence_end - c.sentence_start) <> c.sentence;
