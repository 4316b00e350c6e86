"""One short example of our own per cue family, and the traps that must not become posts."""

from __future__ import annotations

import pytest

from tracker.extract import extract
from tracker.models import Extraction
from tracker.pipeline import text_article
from tracker.registry import Registry


def run(text: str, registry: Registry, published: str = "2025-03-14") -> Extraction:
    return extract(text_article(text, id="t", source="t", published=published), registry)


def summary(result: Extraction) -> list[tuple[str | None, str, str]]:
    return [(p.actor, p.platform, " ".join(p.quote)[:30]) for p in result.posts]


def assert_no_post(text: str, registry: Registry) -> None:
    result = run(text, registry)
    assert result.posts == (), summary(result)


def relations_by_actor(result: Extraction) -> list[tuple[str | None, str | None, str]]:
    """Each relation as (source post's actor, target post's actor, type)."""
    actor = {p.key: p.actor for p in result.posts}
    return [(actor[r.source], actor[r.target], r.type) for r in result.relations]


@pytest.mark.parametrize(("text", "actor", "platform"), [
    ('"We stand with Nepal," the MEA posted on X.', "MEAIndia", "x"),
    ('"We stand with Nepal," the MEA said in a post on X.', "MEAIndia", "x"),
    ('In a post on X, the US Embassy in India said, "Visa slots are open now."', "USAndIndia", "x"),
    ('Amit Shah wrote on X: "Proud of our agencies today."', "AmitShah", "x"),
    ('"Proud of our agencies today," Shah tweeted.', "AmitShah", "x"),
    ('"Proud of our agencies today," tweeted the Home Minister.', "AmitShah", "x"),
    ('"Proud of our agencies today," Amit Shah said on Twitter.', "AmitShah", "x"),
    ('The MEA took to X to say, "Relief is on its way."', "MEAIndia", "x"),
    ('"Relief is on its way," the ministry said on its official X handle.', None, "x"),
    ('"Relief is on its way," the MEA said on X (formerly Twitter).', "MEAIndia", "x"),
    ('"A historic day for both nations," Modi posted on Instagram.', "narendramodi", "instagram"),
    ('"A historic day for both nations," Trump wrote on Truth Social.', "realDonaldTrump", "truth_social"),
    ('"A historic day for both nations," the minister said in a social media post.', None, "unspecified"),
])
def test_post_cues(text: str, actor: str | None, platform: str, registry: Registry) -> None:
    result = run(text, registry)
    assert len(result.posts) == 1, summary(result)
    post = result.posts[0]
    if actor is not None:
        assert post.actor == actor
    assert post.platform == platform
    assert post.quote and post.quote[0].split()[0] in text


@pytest.mark.parametrize("text", [
    '"We will respond firmly," the MEA said in a statement.',
    '"We will respond firmly," the minister told reporters.',
    'Speaking to reporters, Jaishankar said, "We will respond firmly."',
    '"We will respond firmly," the joint statement said.',
    'The diplomat was posted to Washington in 2019. "It was a great honour," he said.',
    'He was appointed to the post of chief commissioner. "I am grateful," he said.',
    'The X-ray scanners arrived on Monday. "They work well," an officer said.',
    'X Corp (formerly Twitter) challenged the order. "The order is unlawful," counsel said.',
    '"This is a great day," the Prime Minister said in his speech at the summit.',
    'Photo: @MEAIndia on X. "We are ready," the official said at a briefing.',
])
def test_not_posts(text: str, registry: Registry) -> None:
    assert run(text, registry).posts == (), text


def test_fragments_join_and_another_post_splits(registry: Registry) -> None:
    text = ('"Proud of our agencies," Amit Shah posted on X.\n\n'
            '"They work round the clock," he added.\n\n'
            '"Drugs worth crores were destroyed today," he said in another post.')
    result = run(text, registry)
    assert [p.actor for p in result.posts] == ["AmitShah", "AmitShah"]
    assert len(result.posts[0].quote) == 2 and result.posts[1].quote[0].startswith("Drugs worth")


def test_statement_continuation_is_not_a_post(registry: Registry) -> None:
    text = ('"We condemn the attack," the MEA said in a statement.\n\n'
            '"The perpetrators must be brought to justice," it added.')
    assert run(text, registry).posts == ()


def test_paraphrase_post_and_date(registry: Registry) -> None:
    text = "Earlier this week, the US Embassy in India had said in a post on X that waivers were expanded."
    result = run(text, registry, published="2024-05-17")
    assert len(result.posts) == 1
    post = result.posts[0]
    assert post.paraphrase and post.actor == "USAndIndia" and post.posted == "2024-05"


def test_pronoun_resolves_to_a_person_not_an_organisation(registry: Registry) -> None:
    text = ("The MEA announced the visit on Monday. Jaishankar will travel to Paris.\n\n"
            '"Looking forward to the talks," he wrote on X.')
    result = run(text, registry)
    assert [p.actor for p in result.posts] == ["DrSJaishankar"]


def test_unresolvable_pronoun_stays_unresolved(registry: Registry) -> None:
    result = run('"Looking forward to the talks," she wrote on X.', registry)
    assert len(result.posts) == 1 and result.posts[0].actor is None


def test_the_two_embassies_are_never_merged(registry: Registry) -> None:
    text = ('"Visa slots open," the US Embassy in India posted on X.\n\n'
            '"Consular camp on Sunday," the Indian Embassy in the US posted on X.')
    assert [p.actor for p in run(text, registry).posts] == ["USAndIndia", "IndianEmbassyUS"]


def test_unknown_poster_is_kept_by_name(registry: Registry) -> None:
    result = run('"Heartfelt thanks to India," the Embassy of Nepal in New Delhi wrote on X.', registry)
    assert len(result.posts) == 1
    assert result.posts[0].actor is None and result.posts[0].actor_name == "the Embassy of Nepal in New Delhi"


def test_embedded_post_rendered_as_text(registry: Registry) -> None:
    text = ("Productive talks with @SecRubio today on trade and energy.\n\n"
            "— Dr. S. Jaishankar (@DrSJaishankar) March 3, 2026\n\nThe talks lasted an hour.")
    result = run(text, registry, published="2026-03-03")
    assert len(result.posts) == 1
    post = result.posts[0]
    assert post.actor == "DrSJaishankar" and post.posted == "2026-03-03"
    assert post.quote[0].startswith("Productive talks")
    assert [(m.actor, m.actor_name) for m in result.mentions] == [("SecRubio", "@SecRubio")]


def test_response_relation(registry: Registry) -> None:
    text = ('"We stand with Nepal," the MEA posted on X.\n\n'
            'In response to the MEA\'s post, the Embassy of Nepal in New Delhi wrote on X, "Thank you, India."')
    result = run(text, registry)
    assert [(r.source, r.target, r.type) for r in result.relations] == [("p2", "p1", "response")]


def test_repost_relation(registry: Registry) -> None:
    text = ('"Visa slots open," the US Embassy in India posted on X.\n\n'
            "The State Department reposted the embassy's post.")
    result = run(text, registry)
    assert len(result.posts) == 2 and result.posts[1].paraphrase and result.posts[1].actor == "StateDept"
    assert [(r.source, r.target, r.type) for r in result.relations] == [("p2", "p1", "repost")]


def test_multi_paragraph_quote(registry: Registry) -> None:
    text = ('"The talks covered trade and energy.\n\n'
            '"We agreed to meet again soon," Jaishankar wrote on X.')
    result = run(text, registry)
    assert len(result.posts) == 1
    assert [q.split()[0] for q in result.posts[0].quote] == ["The", "We"]


@pytest.mark.parametrize("text", [
    '"My phone has been ringing off the hook," Jones told the Indianapolis Star after the post on Twitter.',
    'Twitter CEO Jack Dorsey told Recode editor Kara Swisher that the tweets were "interesting".',
])
def test_speech_to_a_named_outlet_or_person_is_not_a_post(text: str, registry: Registry) -> None:
    assert run(text, registry).posts == ()


def test_inverted_cue_at_the_start(registry: Registry) -> None:
    result = run('Tweeted Omar Abdullah, "The valley deserves better than this."', registry)
    assert [(p.actor_name, p.platform) for p in result.posts] == [("Omar Abdullah", "x")]


def test_inverted_cue_after_the_quote_drops_the_full_stop(registry: Registry) -> None:
    result = run('Jaishankar met the envoy. "We are with you," tweeted the minister.', registry)
    assert [(p.actor, p.actor_name) for p in result.posts] == [("DrSJaishankar", "the minister")]


def test_caption_and_media_nouns_point_to_the_poster(registry: Registry) -> None:
    result = run('Modi shared a photo on Instagram. The caption read, "A memorable evening with friends."', registry)
    assert [(p.actor, p.platform) for p in result.posts] == [("narendramodi", "instagram")]
    result = run('Modi shared a photo on Instagram. "A memorable evening," the photo was captioned.', registry)
    assert [p.actor for p in result.posts] == ["narendramodi"]


def test_doubled_single_marks_and_editorial_insertions(registry: Registry) -> None:
    result = run("''We will not stop (sic),'' the MEA posted on X.", registry)
    assert [(p.actor, p.actor_name, p.quote) for p in result.posts] == [
        ("MEAIndia", "the MEA", ("We will not stop (sic)",))]
    nested = run('"Our message is clear: \'no tolerance for terror\'," Amit Shah posted on X.', registry)
    assert nested.posts[0].quote == ("Our message is clear: 'no tolerance for terror'",)


def test_subsequent_tweet_is_a_new_post(registry: Registry) -> None:
    text = ('Congress leader Shashi Tharoor wrote on X, "The debate was productive." '
            'In a subsequent tweet, he said, "More to follow."')
    result = run(text, registry)
    assert [p.quote for p in result.posts] == [("The debate was productive.",), ("More to follow.",)]
    assert {p.actor_name for p in result.posts} == {"Congress leader Shashi Tharoor"}


def test_a_bare_reply_a_day_later(registry: Registry) -> None:
    text = ('"Happy Diwali to my friend," Trump wrote on Truth Social on Monday night. '
            'A day later, Modi replied on X, "Thank you, my friend."')
    result = run(text, registry, published="2025-10-22")  # a Wednesday
    assert [(p.actor, p.platform, p.posted) for p in result.posts] == [
        ("realDonaldTrump", "truth_social", "2025-10-20"), ("narendramodi", "x", "2025-10-21")]
    assert [(r.source, r.target, r.type) for r in result.relations] == [("p2", "p1", "reply")]


def test_that_evening_takes_the_day_named_in_the_clause(registry: Registry) -> None:
    text = ("Jaishankar, who co-chaired the session on Wednesday, said in a post on X that evening "
            "that the talks were useful.")
    result = run(text, registry, published="2025-11-20")  # a Thursday
    assert [(p.actor, p.posted, p.paraphrase) for p in result.posts] == [("DrSJaishankar", "2025-11-19", True)]


@pytest.mark.parametrize("text", [
    '"We are united," Jaishankar posted on X, "and we are strong."',
    '"We are united", Jaishankar posted on X, "and we are strong."',
])
def test_a_middle_frame_after_a_comma_inside_or_outside_the_marks(text: str, registry: Registry) -> None:
    result = run(text, registry)
    assert [(p.actor, p.quote) for p in result.posts] == [
        ("DrSJaishankar", ("We are united", "and we are strong."))], summary(result)


@pytest.mark.parametrize(("text", "actor", "fragments"), [
    ('Home Minister Amit Shah posted on X in Hindi: "नशा मुक्त भारत हमारा संकल्प है।" Roughly translated, '
     'it reads: "A drug-free India is our resolve."', "AmitShah", 2),
    ('Prime Minister Narendra Modi wrote on X, "भारत माता की जय". The post translates to "Victory to Mother India".',
     "narendramodi", 2),
    ('"Nous sommes unis," French President Emmanuel Macron posted on X, which translates to "We are united."',
     "EmmanuelMacron", 2),
    ('Mao Ning wrote on Weibo: "中国坚决反对". In English, the post read: "China firmly opposes".',
     "SpoxCHN_MaoNing", 2),
])
def test_a_translation_is_another_rendition_of_the_same_post(text: str, actor: str, fragments: int,
                                                              registry: Registry) -> None:
    result = run(text, registry)
    assert len(result.posts) == 1, summary(result)
    assert result.posts[0].actor == actor and len(result.posts[0].quote) == fragments


def test_a_translation_by_another_speaker_is_not_merged(registry: Registry) -> None:
    result = run('Modi wrote on X, "भारत माता की जय". "We translate it as victory to Mother India," '
                 'the MEA posted on X in translation.', registry)
    assert [p.actor for p in result.posts] == ["narendramodi", "MEAIndia"], summary(result)


@pytest.mark.parametrize("text", [
    'The US Embassy in India posted on X: "Thanks to NCB." In a post on X on Wednesday, Amit Shah wrote, '
    '"We will not let drugs destroy our youth," referring to the US Embassy in India\'s post.',
    'The US Embassy in India posted on X: "Thanks to NCB." In his post on X, Amit Shah later cited '
    'the embassy\'s post.',
    'The US Embassy in India posted on X: "Thanks to NCB." Amit Shah said in a post on X that the seizure was '
    'historic, pointing to the embassy\'s earlier post.',
])
def test_a_post_speaking_of_another_post_is_a_mention(text: str, registry: Registry) -> None:
    result = run(text, registry)
    assert relations_by_actor(result) == [("AmitShah", "USAndIndia", "mention")], (summary(result), result.relations)
    assert all(r.evidence and r.span[1] > r.span[0] for r in result.relations)


@pytest.mark.parametrize("text", [
    # a statement, not a post, speaks of the post
    'The US Embassy in India posted on X: "Thanks to NCB." "We are grateful," the MEA said in a statement, '
    'referring to the embassy\'s post.',
    # answering is a response, not a mention
    'The US Embassy in India posted on X: "Thanks to NCB." Amit Shah posted on X in response to the embassy\'s '
    'post: "Together we win."',
    # "he mentioned" continues a post; it names no other post
    'Amit Shah posted on X: "We will win." "The fight goes on," he mentioned.',
])
def test_not_a_mention(text: str, registry: Registry) -> None:
    result = run(text, registry)
    assert not [r for r in result.relations if r.type == "mention"], (summary(result), result.relations)


@pytest.mark.parametrize(("text", "actor", "name"), [
    # abbreviations and initials inside the speaker phrase are no full stops
    ('"Our hearts go out to the families," U.S. Secretary of State Marco Rubio said in a post on X.',
     "SecRubio", "U.S. Secretary of State Marco Rubio"),
    ('"Great meeting," Dr. S. Jaishankar posted on X.', "DrSJaishankar", "Dr. S. Jaishankar"),
    ('"We will not back down," Sen. Lindsey Graham wrote on X.', None, "Sen. Lindsey Graham"),
    # the post speaks for its owner
    ('Modi\'s post on X read: "Spoke to my friend President Putin."', "narendramodi", "Modi"),
    # the author named in the passive
    ('The post, shared by the Indian Embassy in Washington, said: "Visa services resume Monday."',
     "IndianEmbassyUS", "the Indian Embassy in Washington"),
    # a predicate clause and an apposition are not the speaker
    ('Rahul Gandhi, the Leader of Opposition, took a swipe at the government on X, writing: "The PM has failed."',
     None, "Rahul Gandhi"),
    ('Rahul Gandhi took a swipe at the government on X, writing: "The PM has failed."', None, "Rahul Gandhi"),
    ('Shehbaz Sharif, Pakistan\'s prime minister, said on X that Pakistan "will respond".', "CMShehbaz",
     "Shehbaz Sharif"),
])
def test_speaker_phrases_of_wire_copy(text: str, actor: str | None, name: str, registry: Registry) -> None:
    result = run(text, registry)
    assert [(p.actor, p.actor_name) for p in result.posts] == [(actor, name)], summary(result)
    assert result.posts[0].quote


@pytest.mark.parametrize("text", [
    'WASHINGTON (Reuters) - President Donald Trump on Tuesday lashed out at India on Truth Social. '
    '"India has been a very bad trading partner," Trump wrote.',
    'Trump lashed out at India on Truth Social on Tuesday.\n\n"India has been a very bad trading partner," he wrote.',
])
def test_a_quote_after_its_speaker_was_placed_on_a_platform(text: str, registry: Registry) -> None:
    result = run(text, registry)
    assert [(p.actor, p.platform, p.platform_inferred) for p in result.posts] == [
        ("realDonaldTrump", "truth_social", True)], summary(result)


@pytest.mark.parametrize("text", [
    # another speaker's quote does not take the platform
    'Trump lashed out at India on Truth Social. "We are studying it," Jaishankar said.',
    # speech after the platform sentence is still speech
    'Trump lashed out at India on Truth Social. "We will see," Trump told reporters.',
    # two paragraphs on, the platform no longer frames the quote
    'Trump lashed out at India on Truth Social.\n\nMarkets fell.\n\nTariffs rose.\n\n"We will see," Trump said.',
])
def test_a_platform_sentence_does_not_make_every_later_quote_a_post(text: str, registry: Registry) -> None:
    assert_no_post(text, registry)


def test_reuters_and_ap_datelines_are_not_the_subject(registry: Registry) -> None:
    from tracker import patterns as P

    for line, prefix in [("WASHINGTON (Reuters) - The MEA", "WASHINGTON (Reuters) - "),
                         ("NEW DELHI, March 3 (Reuters) - The MEA", "NEW DELHI, March 3 (Reuters) - "),
                         ("LONDON — The UK", "LONDON — "),
                         ("New Delhi, March 3 (IANS) The", "New Delhi, March 3 (IANS) "),
                         ("US President Trump - who", ""), ("The MEA said", "")]:
        match = P.LEAD_PREFIX.match(line)
        assert match is not None and line[: match.end()] == prefix, line


@pytest.mark.parametrize("text", [
    # a platform inside a clause that describes the speaker, or the speech, places nothing on it
    'The minister, who has 20 million followers on X, said at a rally: "We will win."',
    '"We will win," Modi said during a rally in Varanasi, a video of which was later shared on X.',
])
def test_a_platform_in_a_describing_clause_makes_no_post(text: str, registry: Registry) -> None:
    assert_no_post(text, registry)


def test_a_who_clause_that_introduces_the_quote_gives_its_antecedent(registry: Registry) -> None:
    result = run('Donald Trump Jr, who wrote on X: "The complex seems to want war."', registry)
    assert [(p.actor_name, p.platform) for p in result.posts] == [("Donald Trump Jr", "x")], summary(result)


def test_a_quote_introduced_by_a_colon_ends_its_sentence(registry: Registry) -> None:
    result = run('Jaishankar posted on X: "Productive talks with Rubio." Rubio reposted Jaishankar\'s post.', registry)
    assert relations_by_actor(result) == [("SecRubio", "DrSJaishankar", "repost")], summary(result)


def test_the_account_opening_the_clause_speaks_without_a_speech_verb(registry: Registry) -> None:
    result = run('The MEA posted on X: "India condemns the attack." Hours later, the Pakistani Foreign Office '
                 'hit back at the MEA\'s post, calling it "baseless".', registry)
    assert [p.actor for p in result.posts] == ["MEAIndia", "ForeignOfficePk"], summary(result)
    assert [(r.source, r.target, r.type) for r in result.relations] == [("p2", "p1", "response")]


def test_a_lower_case_title_does_not_cut_the_name(registry: Registry) -> None:
    result = run('Indian commerce minister Piyush Goyal, in a post on X, said: "India will protect its interests."',
                 registry)
    assert [(p.actor, p.actor_name) for p in result.posts] == [
        ("PiyushGoyal", "Indian commerce minister Piyush Goyal")], summary(result)


def test_the_same_speaker_later_is_another_post(registry: Registry) -> None:
    result = run('Earlier this month, Netanyahu posted on X: "Israel will defend itself." Two days later, he '
                 'wrote: "We have no choice." "It is our duty," he added.', registry)
    assert [(p.actor, p.quote) for p in result.posts] == [
        ("netanyahu", ("Israel will defend itself.",)), ("netanyahu", ("We have no choice.", "It is our duty"))], \
        summary(result)


def test_a_quote_post_of_a_post_not_cited_before(registry: Registry) -> None:
    result = run('The White House shared Trump\'s post on X with the caption: "Promises kept."', registry)
    assert [(p.actor, p.paraphrase) for p in result.posts] == [("realDonaldTrump", True), ("WhiteHouse", False)]
    assert [(r.source, r.target, r.type) for r in result.relations] == [("p2", "p1", "quote")]


def test_a_surname_the_registry_lacks_points_back_to_the_person(registry: Registry) -> None:
    result = run("Pakistan's Foreign Minister Ishaq Dar said in a post on X that India was \"fuelling tensions\".\n\n"
                 'Dar, who also serves as deputy prime minister, added: "We want peace."', registry)
    assert [(p.actor, p.quote) for p in result.posts] == [
        ("MIshaqDar50", ("fuelling tensions", "We want peace."))], summary(result)


@pytest.mark.parametrize(("text", "actor", "platform"), [
    ('"Happy Diwali," the MEA posted.', "MEAIndia", "unspecified"),  # posting is the verb: a post, platform unnamed
    ('On X, the MEA posted: "Happy Diwali."', "MEAIndia", "x"),  # "On X" opening the sentence
    ('"We condemn this," said Chinese Foreign Ministry spokesperson Mao Ning in a post on X.', "SpoxCHN_MaoNing", "x"),
])
def test_more_post_cues(text: str, actor: str, platform: str, registry: Registry) -> None:
    result = run(text, registry)
    assert [(p.actor, p.platform) for p in result.posts] == [(actor, platform)], summary(result)


@pytest.mark.parametrize("text", [
    'He was posted to Washington in 2019. "It was a great honour," he said.',
    '"I am honoured," said the envoy, who was posted to Washington in 2019.',
    '"Losses narrowed," the company posted in its results on Monday.',
])
def test_other_senses_of_posted(text: str, registry: Registry) -> None:
    assert_no_post(text, registry)


def test_earlier_in_the_day_is_the_article_date(registry: Registry) -> None:
    result = run('Earlier in the day, Shah posted on X: "Proud of NCB."', registry, published="2026-03-10")
    assert [p.posted for p in result.posts] == ["2026-03-10"]


def test_a_response_to_a_post_not_cited_before_makes_that_post(registry: Registry) -> None:
    result = run('Responding to Modi\'s post on X, the MEA wrote on X: "We agree."', registry)
    assert [(p.actor, p.paraphrase) for p in result.posts] == [("narendramodi", True), ("MEAIndia", False)]
    assert [(r.source, r.target, r.type) for r in result.relations] == [("p2", "p1", "response")]


@pytest.mark.parametrize(("text", "actor", "name"), [
    ("The details of the Senate's plenary session were shared on the Twitter handle of the Senate, @NGRSenate.",
     "NGRSenate", "@NGRSenate"),
    ("The video was posted on the official X account of the Ministry of External Affairs on Monday.",
     "MEAIndia", "the Ministry of External Affairs"),
])
def test_the_account_a_post_went_out_on_is_its_poster(text: str, actor: str, name: str, registry: Registry) -> None:
    result = run(text, registry)
    assert [(p.actor, p.actor_name, p.paraphrase) for p in result.posts] == [(actor, name, True)], summary(result)


def test_a_long_subject_is_cut_to_the_name_before_its_predicate(registry: Registry) -> None:
    result = run('Yiannopoulos essentially threw a lit match on the growing pile of harassment by retweeting one '
                 'of the posts, calling her "a liar".', registry)
    assert [p.actor_name for p in result.posts] == ["Yiannopoulos"], summary(result)


def test_a_post_spoken_of_then_embedded_as_text_is_one_post(registry: Registry) -> None:
    result = run("The minister shared the news on X.\n\nProud moment for India! pic.twitter.com/abc123\n\n"
                 "— Narendra Modi (@narendramodi) March 3, 2026\n\nThe post was widely shared.", registry)
    assert [(p.actor, p.quote, p.posted) for p in result.posts] == [
        ("narendramodi", ("Proud moment for India! pic.twitter.com/abc123",), "2026-03-03")], summary(result)


@pytest.mark.parametrize("text", [
    'Modi posted on X: "We stand united." The post was widely shared.',
    'Modi posted on X: "We stand united." The message was quickly reshared across platforms.',
])
def test_a_post_shared_in_the_passive_has_no_reposter(text: str, registry: Registry) -> None:
    result = run(text, registry)
    assert len(result.posts) == 1 and result.relations == (), summary(result)


def test_a_post_cue_right_after_the_quote(registry: Registry) -> None:
    result = run('Jaishankar had described his meeting with Anand as "useful" in a post on X last month.', registry)
    assert [(p.actor, p.quote, p.platform) for p in result.posts] == [("DrSJaishankar", ("useful",), "x")]


def test_a_possessive_modifier_does_not_make_a_person_an_organisation(registry: Registry) -> None:
    result = run("The embassy's Minister (Community Affairs) Shilpa Menon said in a post on X that camps would be "
                 'held.\n\n"Our aim is to serve everyone," she tweeted.', registry)
    assert [(p.actor_name, p.quote) for p in result.posts] == [
        ("The embassy's Minister (Community Affairs) Shilpa Menon", ("Our aim is to serve everyone",))], \
        summary(result)


def test_speech_in_a_coordinated_clause_does_not_undo_the_repost(registry: Registry) -> None:
    result = run('The White House posted on X: "Done." The POTUS account reposted the post, and the President is '
                 'expected to speak about it at an event on Friday.', registry)
    assert relations_by_actor(result) == [("POTUS", "WhiteHouse", "repost")], summary(result)


@pytest.mark.parametrize(("text", "platform"), [
    ('The Chinese Embassy in India posted on the microblogging platform Weibo that the delegation had arrived. '
     '"The two sides will work together," the embassy wrote.', "weibo"),
    ('The Australian High Commission in India marked the occasion on X with a photograph. '
     '‘Stronger together: Australia and India are stepping up cooperation,’ the post reads.', "x"),
    ("A day earlier, the British High Commission in New Delhi had posted a short video.\n\n"
     "Share your #StudyUK story with us!\n\n— UK in India (@UKinIndia) June 17, 2025", "x"),
])
def test_the_platform_named_elsewhere_in_the_passage(text: str, platform: str, registry: Registry) -> None:
    result = run(text, registry)
    assert [p.platform for p in result.posts] == [platform], summary(result)


def test_a_statement_posted_on_a_platform_is_its_issuers_post(registry: Registry) -> None:
    result = run('The MEA said in a statement on Monday: "India rejects the report." The statement was also '
                 'posted on X.', registry)
    assert [(p.actor, p.actor_name, p.platform) for p in result.posts] == [("MEAIndia", "The MEA", "x")], \
        summary(result)


def test_an_owned_post_with_its_platform(registry: Registry) -> None:
    result = run('Modi’s X post read: "A sad day."', registry)
    assert [(p.actor, p.actor_name) for p in result.posts] == [("narendramodi", "Modi")], summary(result)


@pytest.mark.parametrize("text", [
    'The event was live streamed on social media. "We are proud," the minister said.',
    'Share on X | Share on Facebook. "This is a historic day," Modi said in his address.',
    'Photo: X/@MEAIndia. "We are ready," Jaiswal told reporters.',
    'Elon Musk\'s X said in a court filing: "The order is unconstitutional."',
    'The letter, which was later shared widely on social media, said: "We demand action."',
    'In an interview with NDTV, Jaishankar said: "Our ties are strong." The interview was also streamed on YouTube.',
    'Pakistan\'s ambassador, who is active on X, said at the UN: "India must stop."',
])
def test_more_quotes_that_are_not_posts(text: str, registry: Registry) -> None:
    assert_no_post(text, registry)


def test_a_video_posted_by_an_account_is_its_post(registry: Registry) -> None:
    result = run('Speaking at the Raisina Dialogue, Jaishankar said: "Multipolarity is here." A video of the remarks '
                 'was posted on X by the MEA.', registry)
    assert [(p.actor, p.paraphrase, p.platform) for p in result.posts] == [("MEAIndia", True, "x")], summary(result)


def test_an_unknown_embassy_is_not_the_person_named_by_the_country_at_its_end(registry: Registry) -> None:
    result = run('"Heartfelt congratulations," Modi wrote on X.\n\nThe Embassy of Japan in India shared Modi\'s '
                 'message on Threads with a note saying, "Japan-India friendship will continue to shine."', registry)
    assert [(p.actor, p.actor_name) for p in result.posts] == [
        ("narendramodi", "Modi"), (None, "The Embassy of Japan in India")], summary(result)
    assert [(r.source, r.target, r.type) for r in result.relations] == [("p2", "p1", "quote")]


def test_a_titled_person_opening_a_sentence_is_who_he_means(registry: Registry) -> None:
    result = run('Australian High Commissioner Philip Green also joined in, sharing a photo of the match. '
                 '"Cricket brings our two countries together," he wrote on X.', registry)
    assert [(p.actor_name, p.platform) for p in result.posts] == [("Australian High Commissioner Philip Green", "x")], \
        summary(result)


@pytest.mark.parametrize("text", [
    "The MEA posted a video on X. Shah retweeted the video.",
    "Shah retweeted the video posted by the MEA on X.",
])
def test_retweeting_shares_the_post_it_names(text: str, registry: Registry) -> None:
    result = run(text, registry)
    assert relations_by_actor(result) == [("AmitShah", "MEAIndia", "repost")], summary(result)


def test_a_post_cue_closing_the_sentence(registry: Registry) -> None:
    result = run('Modi said he was "deeply pained" by the loss of lives, in a post on X.', registry)
    assert [(p.actor, p.quote, p.platform) for p in result.posts] == [("narendramodi", ("deeply pained",), "x")]
    assert run('Modi said he was "deeply pained" by the loss of lives, in a speech in Delhi.', registry).posts == ()


def test_a_speaker_named_with_a_handle_writes_a_post(registry: Registry) -> None:
    result = run('Modi (@narendramodi) wrote: "Thank you, Japan."', registry)
    assert [(p.actor, p.platform, p.platform_inferred) for p in result.posts] == [("narendramodi", "x", True)]
    assert run('Modi wrote: "Thank you, Japan."', registry).posts == ()  # "wrote" alone may be a letter


def test_a_platform_placed_long_before_neither_applies_nor_marks_the_post_inferred(registry: Registry) -> None:
    result = run("Modi weighed in on X on Monday.\n\nMarkets fell.\n\nTariffs rose.\n\n"
                 'Modi said in a post: "We will respond."', registry)
    assert [(p.actor, p.platform, p.platform_inferred) for p in result.posts] == [
        ("narendramodi", "unspecified", False)], summary(result)
