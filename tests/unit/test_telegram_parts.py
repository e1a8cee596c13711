"""The bot's pure parts: message splitting, button data, the query batcher, rate limits, settings."""

from __future__ import annotations

import logging
import re

import pytest

from pasokh.bot import messages
from pasokh.bot.settings import Settings, api_urls
from pasokh.bot.telegram import callbacks
from pasokh.bot.telegram import format as fmt
from pasokh.bot.telegram.format import RLM
from pasokh.bot.telegram.limits import BotStats, UserRateLimiter, percentile
from pasokh.bot.telegram.redaction import TokenRedactor
from pasokh.bot.telegram.run import BotOptions, MissingTokenError, run_bot
from tests.helpers.paths import SEED_QUESTION as QUESTION
from tests.helpers.telegram import assert_telegram_html

_ALLOWED_TAG = re.compile(r'<(/?)(b|i|a)(?: href="[^"<>]*")?>')


def test_split_html_keeps_markup_whole() -> None:
    line = RLM + "<b>۱.</b> «" + "واژه &amp; <i>کج</i> " * 400 + "» " + '<a href="https://x.org/?a=1&amp;b=2">پیوند</a>'
    text = "\n\n".join([line, RLM + "پاراگراف کوتاه", line])
    chunks = fmt.split_html(text, limit=1000)
    assert len(chunks) > 3
    for chunk in chunks:
        assert_telegram_html(chunk)
        assert fmt.units(chunk) <= 1000
    visible = lambda s: re.sub(r"\s+", "", _ALLOWED_TAG.sub("", s))
    assert visible("".join(chunks)) == visible(text)
    assert fmt.split_html("کوتاه") == ["کوتاه"]
    emoji = "😀" * 3000  # two UTF-16 units each
    assert all(fmt.units(c) <= 4096 for c in fmt.split_html(emoji))


def test_query_batcher_gives_each_thread_its_own_vectors(encoder) -> None:
    import threading

    import numpy as np

    from pasokh.embeddings.batching import QueryBatcher

    questions = [QUESTION, "پایتخت فرانسه کجاست؟", "روسیه در ازای مهمات چه می‌دهد؟"] * 4
    expected = encoder.encode_queries(questions)
    calls: list[int] = []

    class Counting:
        model_id = encoder.model_id

        def encode_queries(self, texts):
            calls.append(len(texts))
            if "boom" in texts:
                raise RuntimeError("engine failed")
            return encoder.encode_queries(texts)

    batcher = QueryBatcher(Counting())
    results: dict[int, np.ndarray] = {}
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, batcher.encode_queries([questions[i]])))
               for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == list(range(len(questions)))
    for i, vector in results.items():
        assert vector.shape == (1, expected.shape[1])
        assert float(vector[0] @ expected[i]) > 0.999
    assert sum(calls) == len(questions) and batcher.model_id == encoder.model_id
    with pytest.raises(RuntimeError, match="engine failed"):
        batcher.encode_queries(["boom"])
    assert batcher.encode_queries([QUESTION]).shape == (1, expected.shape[1])  # not stuck after a failure


def test_callback_data_round_trip_and_signatures() -> None:
    buttons = callbacks.Buttons("123:SECRET")
    others = callbacks.Buttons("456:OTHER")
    key = callbacks.question_key("پرسش")
    assert buttons.parse(f"more:6:{key}") == callbacks.MoreButton(6, key)
    assert callbacks.question_key(" پرسش  ") == key
    keyboard = buttons.answer_keyboard("پرسش", [], 3, question_id=7)
    assert keyboard.inline_keyboard[0][0].callback_data == f"more:3:{key}"
    signed = buttons._signed("ctx", 42)
    assert buttons.parse(signed) == callbacks.ContextButton(42)
    assert others.parse(signed) is None  # signed with another bot's token: refused
    assert buttons.parse(signed.replace(":42:", ":43:")) is None  # another id under the same signature
    assert buttons.parse(buttons._signed("fb:-", 9)) == callbacks.FeedbackButton(9, False)
    assert buttons.parse(buttons._signed("rm", 5)) == callbacks.RemoveButton(5)
    assert buttons.parse("rm:no") == callbacks.RemoveButton(None)
    for junk in ("", None, "more:1", "ctx:42", "ctx:x", "more:1:XYZ", "ctx:1;drop", "ctx:1:zzzzzzzzzz"):
        assert buttons.parse(junk) is None
    assert all(len(data.encode()) <= 64 for data in (signed, buttons._signed("rm", 10**17)))


def test_rate_limiter_window_and_stats_percentiles() -> None:
    now = [0.0]
    limiter = UserRateLimiter(2, 60, clock=lambda: now[0])
    assert [limiter.check(1).allowed for _ in range(2)] == [True, True]
    third, fourth = limiter.check(1), limiter.check(1)
    assert (third.allowed, third.notify, fourth.notify) == (False, True, False)
    assert third.retry_after == pytest.approx(60)
    assert limiter.check(2).allowed
    now[0] = 60.5
    assert limiter.check(1).allowed
    assert percentile([], 0.5) is None
    assert percentile([float(i) for i in range(1, 101)], 0.95) == pytest.approx(95.05)
    stats = BotStats()
    stats.record_question("answered", 0.02)
    stats.record_question("no_match", 0.04)
    snapshot = stats.snapshot()
    assert (snapshot.questions, snapshot.abstentions) == (2, 1) and snapshot.p50 == pytest.approx(0.03)


def test_config_reads_env_and_hides_the_token() -> None:
    token = "123:SECRET-token-value"
    with pytest.raises(MissingTokenError):
        run_bot(Settings.from_env({}, env_file=False), BotOptions())
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": token, "PASOKH_ADMIN_IDS": "5, x ,7",
                                  "PASOKH_RATE_LIMIT": "many"}, env_file=False)
    config = settings.bot
    assert config.admin_ids == {5, 7} and config.rate_limit == 20
    warned = " ".join(messages.setting_warning_text(w) for w in settings.warnings)
    assert "'x'" in warned and "PASOKH_RATE_LIMIT" in warned
    assert token not in repr(config) and "SECRET" not in str(config) and token not in repr(settings)
    assert api_urls("http://127.0.0.1:8081/") == ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")
    assert api_urls("") == (None, None)
    redactor = TokenRedactor([token])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET %s", (f"/bot{token}/getMe",), None)
    redactor.filter(record)
    assert record.getMessage() == "GET /bot<token>/getMe"
