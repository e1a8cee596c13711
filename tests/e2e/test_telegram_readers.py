"""What readers see: greetings, other kinds of message, edits, not-found help, inline mode, English.

The real Application, the real model and the seed index, against the Bot API stand-in on 127.0.0.1.
"""

from __future__ import annotations

import asyncio

from pasokh.bot import messages
from pasokh.bot.telegram.format import RLM
from pasokh.retrieval.search import Reason
from tests.helpers.paths import SEED_QUESTION as QUESTION
from tests.helpers.telegram import GROUP, assert_telegram_html, reply_in, run, running_bot


def test_greetings_and_thanks_get_a_polite_word_and_silence_in_groups(standin, seed_data_dir, encoder) -> None:
    said = {21: "سلام", 22: "ممنون", 23: "خسته نباشید", 24: "مرسی", 25: "hi", 26: "خداحافظ"}

    async def scenario():
        async with running_bot(standin, seed_data_dir, encoder):
            for chat, text in said.items():
                standin.push_text(chat, chat, text)
            replies = {chat: await reply_in(standin, chat) for chat in said}
            mark = len(standin.calls)
            standin.push_text(GROUP, 27, "@pasokh_test_bot ممنون", chat_type="group")
            standin.push_text(GROUP, 28, "@pasokh_test_bot سلام", chat_type="group")
            await asyncio.sleep(1.0)
            return replies, [c for c in standin.calls[mark:] if c.method == "sendMessage"]

    replies, group_calls = run(scenario())
    assert replies[21].params["text"] == RLM + messages.reason_text(Reason.GREETING)
    assert replies[22].params["text"] == RLM + messages.reason_text(Reason.THANKS)
    assert replies[23].params["text"] == RLM + messages.reason_text(Reason.THANKS)
    assert replies[24].params["text"] == RLM + messages.reason_text(Reason.THANKS)
    assert replies[25].params["text"] == RLM + messages.reason_text(Reason.GREETING, messages.Lang.EN)
    assert replies[26].params["text"] == RLM + messages.reason_text(Reason.FAREWELL)
    assert all("پرسش به نظر نمی‌رسد" not in r.params["text"] for r in replies.values())  # no lecture
    assert group_calls == []  # thanking the bot in a group posts nothing to everyone


def test_photo_caption_is_a_question_and_other_media_get_one_line(standin, seed_data_dir, encoder) -> None:
    async def scenario():
        async with running_bot(standin, seed_data_dir, encoder):
            standin.push_media(31, 31, "photo", caption=QUESTION)
            captioned = await reply_in(standin, 31)
            standin.push_media(32, 32, "sticker")
            standin.push_media(33, 33, "voice")
            return captioned, await reply_in(standin, 32), await reply_in(standin, 33)

    captioned, sticker, voice = run(scenario())
    assert "۶۷۰۰" in captioned.params["text"]
    assert sticker.params["text"] == voice.params["text"] == RLM + messages.text("text_only")


def test_an_edited_question_edits_the_answer(standin, seed_data_dir, encoder) -> None:
    async def scenario():
        async with running_bot(standin, seed_data_dir, encoder):
            standin.push_text(34, 34, "بهترین دستور پخت قورمه سبزی چیست؟")
            first = await reply_in(standin, 34)
            question_id = first.params["reply_parameters"]["message_id"]
            mark = len(standin.calls)
            standin.push_edit(34, question_id, QUESTION)
            edit = await standin.wait_for_async("editMessageText", since=mark)
            await asyncio.sleep(0.3)
            return first, edit

    first, edit = run(scenario())
    assert messages.reason_text(Reason.NO_MATCH) in first.params["text"]
    assert "۶۷۰۰" in edit.params["text"] and edit.params["chat_id"] == 34
    assert len(standin.sent_messages(34)) == 1  # the earlier reply was edited, not a new one sent


def test_not_found_offers_help_and_the_closest_article_marked_as_not_an_answer(standin, seed_data_dir,
                                                                               encoder) -> None:
    async def scenario():
        async with running_bot(standin, seed_data_dir, encoder):
            standin.push_text(35, 35, "قیمت بلیت قطار تهران به مشهد چند است؟")
            return await reply_in(standin, 35)

    text = run(scenario()).params["text"]
    assert_telegram_html(text)
    assert messages.reason_text(Reason.NO_MATCH) in text and "/sources" in text
    closest = messages.text("closest", title="").split("«")[0]
    assert closest in text and "وزیر دفاع کره جنوبی" in text  # the seed's headline, marked as not an answer
    assert "«" + "به" not in text  # no sentence is quoted


def test_inline_mode_offers_cited_quotes(standin, seed_data_dir, encoder) -> None:
    async def scenario():
        async with running_bot(standin, seed_data_dir, encoder):
            _, query_id = standin.push_inline_query(36, QUESTION)
            for _ in range(100):
                answers = standin.inline_answers(query_id)
                if answers is not None:
                    return answers
                await asyncio.sleep(0.05)
            raise AssertionError("no inline answer")

    results = run(scenario())
    assert results and results[0]["type"] == "article"
    content = results[0]["input_message_content"]
    assert "۶۷۰۰" in content["message_text"] and "اکوایران" in content["message_text"]
    assert content["parse_mode"] == "HTML"
    assert_telegram_html(content["message_text"])


def test_english_question_gets_english_words_and_persian_quotes(standin, seed_data_dir, encoder) -> None:
    async def scenario():
        async with running_bot(standin, seed_data_dir, encoder):
            standin.push_text(37, 37, "How many containers did North Korea ship to Russia?")
            answered = await reply_in(standin, 37)
            standin.push_text(38, 38, "What is the best recipe for pasta?")
            return answered, await reply_in(standin, 38)

    answered, declined = run(scenario())
    assert "(sentence 2)" in answered.params["text"] and "۶۷۰۰" in answered.params["text"]
    rows = answered.params["reply_markup"]["inline_keyboard"]
    assert any(b["text"].startswith("Surrounding text") for row in rows for b in row)
    assert messages.reason_text(Reason.NO_MATCH, messages.Lang.EN) in declined.params["text"]
    assert "/sources" in declined.params["text"] and "Try other words" in declined.params["text"]


def test_rate_limit_counts_commands_and_buttons_too(standin, seed_data_dir, encoder) -> None:
    async def scenario():
        async with running_bot(standin, seed_data_dir, encoder, rate_limit=3) as app:
            for _ in range(8):
                standin.push_command(GROUP, 39, "sources", chat_type="group", mention_bot=True)
            for _ in range(4):
                standin.push_command(40, 40, "stats")  # refused admin commands count as well
            await asyncio.sleep(2.0)
            return app.bot_data.stats.rate_limited

    limited = run(scenario())
    assert limited == 5 + 1
    group = standin.sent_messages(GROUP)
    assert len(group) == 4  # three lists, one "slow down", the rest ignored
    assert sum("آهسته‌تر" in m["text"] for m in group) == 1
    assert len(standin.sent_messages(40)) == 4  # three refusals and one "slow down"
