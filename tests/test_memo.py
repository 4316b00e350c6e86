"""patterns.Memo, the extractor's bounded memo, and clear_caches emptying every one of them."""

from __future__ import annotations

from tracker import dates, registry
from tracker import extract as E
from tracker.patterns import Memo
from tracker.pipeline import text_article
from tracker.registry import load_registry


def test_memo_keeps_up_to_its_bound_then_starts_over() -> None:
    memo: Memo[str, int] = Memo(2)
    assert memo.keep("a", 1) == 1 and memo.keep("b", 2) == 2
    assert memo.kept == {"a": 1, "b": 2}
    assert memo.keep("c", 3) == 3
    assert memo.kept == {"c": 3}  # full: cleared before the third answer
    memo.clear()
    assert memo.kept == {}


def test_clear_caches_empties_the_extractors_memos() -> None:
    """Benchmarks clear the caches between articles to measure cold work: every memo must empty."""
    memos = [value for module in (E, dates, registry) for value in vars(module).values() if isinstance(value, Memo)]
    assert len(memos) == 9
    reg = load_registry()
    text = ("New Delhi, March 3 (PTI) External Affairs Minister S Jaishankar on Monday said on X that the "
            "talks were \"productive\". The US Embassy in India replied to his post on Tuesday.")
    E.extract(text_article(text, id="m", source="t"), reg)
    assert any(memo.kept for memo in memos)
    E.clear_caches(reg)
    assert not any(memo.kept for memo in memos)
