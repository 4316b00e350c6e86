-- Failing rows: citations without evidence. Prose citations must point at their exact sentence
-- in the article text; a post known only from the page's embed markup keeps that markup, whose
-- span is an offset in the page's HTML.
select c.article_id, c.post_key
from post_citations as c
join articles as a using (article_id)
where length(coalesce(c.sentence, '')) = 0
   or c.sentence_end < c.sentence_start
   or (
        c.embed_kind is null or c.embed_kind = 'text'
   ) and (
        c.sentence_end > length(a.text)
        or substr(a.text, c.sentence_start + 1, c.sentence_end - c.sentence_start) <> c.sentence
   );
