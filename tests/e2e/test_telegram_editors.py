"""What editors see: ids in /sources, /remove with a confirmation, admin /help, Jalali dates, Persian
/stats, the unanswered-questions log and 👍/👎, and what outsiders hear when they send a file."""

from __future__ import annotations

import asyncio
import json

from pasokh.bot import messages
from pasokh.bot.telegram.format import RLM
from tests.helpers.cli import pasokh
from tests.helpers.paths import SEED_ID
from tests.helpers.paths import SEED_QUESTION as QUESTION
from tests.helpers.telegram import ADMIN, assert_telegram_html, reply_in, run, running_bot, wait_for_text

READER = 4100


def _buttons(call_or_message) -> list[dict]:
    markup = call_or_message["reply_markup"] if "reply_markup" in call_or_message else {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def test_sources_help_and_stats_for_editors(standin, library_data_dir, encoder) -> None:
    async def scenario():
        async with running_bot(standin, library_data_dir, encoder):
            standin.push_command(ADMIN, ADMIN, "sources")
            admin_sources = await reply_in(standin, ADMIN)
            standin.push_command(ADMIN, ADMIN, "help")
            admin_help = await wait_for_text(standin, ADMIN, messages.HELP_TITLE, timeout=10)
            standin.push_command(READER, READER, "sources")
            reader_sources = await reply_in(standin, READER)
            standin.push_command(READER, READER, "help")
            reader_help = await wait_for_text(standin, READER, messages.HELP_TITLE, timeout=10)
            for text in ("سلام", "بهترین دستور پخت قورمه سبزی چیست؟"):
                standin.push_text(READER + 1, READER + 1, text)
                await asyncio.sleep(0.5)
            mark = len(standin.calls)
            standin.push_command(ADMIN, ADMIN, "stats")
            stats = await reply_in(standin, ADMIN, since=mark)
            return admin_sources, admin_help, reader_sources, reader_help, stats

    admin_sources, admin_help, reader_sources, reader_help, stats = run(scenario(), timeout=30)
    assert "شناسه: special" in admin_sources.params["text"] and "شناسه:" not in reader_sources.params["text"]
    assert "۱۱ اسفند ۱۴۰۲" in admin_sources.params["text"]  # 2024-03-01 as a Jalali date, not ISO
    assert "2024-03-01" not in admin_sources.params["text"] and "۲۰۲۴" not in admin_sources.params["text"]
    assert "/remove" in admin_help and "/unanswered" in admin_help
    assert "/remove" not in reader_help
    stats_text = stats.params["text"]
    assert "no_match" not in stats_text and "not_a_question" not in stats_text and "greeting" not in stats_text
    assert "پاسخی در مقاله‌ها نبود: ۱" in stats_text and "سلام و احوال‌پرسی: ۱" in stats_text


def test_remove_asks_to_confirm_then_removes(standin, fresh_copy, encoder) -> None:
    async def scenario():
        async with running_bot(standin, fresh_copy, encoder):
            standin.push_command(ADMIN, ADMIN, "remove", SEED_ID)
            confirm = await reply_in(standin, ADMIN)
            message = standin.sent_messages(ADMIN)[-1]
            yes, no = _buttons(message)
            standin.push_text(READER, READER, QUESTION)
            still_answered = await reply_in(standin, READER)
            mark = len(standin.calls)
            standin.push_callback(ADMIN, ADMIN, yes["callback_data"], message["message_id"])
            done = await standin.wait_for_async("editMessageText", since=mark, timeout=120)
            mark = len(standin.calls)
            standin.push_text(READER, READER, QUESTION)
            after = await reply_in(standin, READER, since=mark)
            return confirm, still_answered, done, after, no

    confirm, still_answered, done, after, no = run(scenario(), timeout=150)
    assert "وزیر دفاع کره جنوبی" in confirm.params["text"] and SEED_ID in confirm.params["text"]
    assert no["callback_data"] == "rm:no"
    assert "۶۷۰۰" in still_answered.params["text"]  # nothing is removed before the "yes"
    assert SEED_ID in done.params["text"]
    assert "۶۷۰۰" not in after.params["text"]


def test_unanswered_questions_feedback_and_the_cli_log(standin, fresh_copy, encoder) -> None:
    missing = "قیمت بلیت قطار تهران به مشهد چند است؟"

    async def scenario():
        async with running_bot(standin, fresh_copy, encoder):
            for chat in (READER, READER + 1):
                standin.push_text(chat, chat, missing)
                await reply_in(standin, chat)
            standin.push_text(READER + 2, READER + 2, QUESTION)
            await reply_in(standin, READER + 2)
            answer = standin.sent_messages(READER + 2)[-1]
            thumbs_up = next(b for b in _buttons(answer) if b["text"] == "👍")
            mark = len(standin.calls)
            standin.push_callback(READER + 2, READER + 2, thumbs_up["callback_data"], answer["message_id"])
            thanks = await standin.wait_for_async("answerCallbackQuery", since=mark)
            standin.push_command(ADMIN, ADMIN, "unanswered")
            return thanks, await reply_in(standin, ADMIN)

    thanks, listed = run(scenario(), timeout=30)
    assert thanks.params["text"] == messages.text("thanks_feedback")
    text = listed.params["text"]
    assert_telegram_html(text)
    assert f"۲× «{missing}»" in text and QUESTION not in text
    logged = json.loads(pasokh("questions", "--json", data_dir=fresh_copy).stdout)
    by_text = {row["question"]: row for row in logged}
    assert by_text[missing]["times"] == 2 and by_text[missing]["answered"] is False
    assert by_text[QUESTION]["answered"] is True and by_text[QUESTION]["helpful"] == 1
    assert set(by_text[QUESTION]) >= {"question", "times", "last_asked", "answered", "helpful", "unhelpful"}
    unanswered = pasokh("questions", "--unanswered", data_dir=fresh_copy)
    assert unanswered.returncode == 0 and missing in unanswered.stdout and QUESTION not in unanswered.stdout
    schema = (fresh_copy / "questions.sqlite3").read_bytes()
    assert str(READER).encode() not in schema  # no user ids are stored


def test_question_log_can_be_turned_off(standin, fresh_copy, encoder) -> None:
    from pasokh.bot.telegram.app import build_application
    from tests.helpers.telegram import settings_for

    (fresh_copy / "questions.sqlite3").unlink(missing_ok=True)
    settings = settings_for(standin, fresh_copy).with_overrides(question_log=False)
    app = build_application(settings, encoder)
    assert app.bot_data.question_log is None
    app.bot_data.searcher.close()
    assert not (fresh_copy / "questions.sqlite3").exists()


def test_outsiders_uploading_a_file_hear_what_happened(standin, seed_data_dir, encoder) -> None:
    async def scenario():
        async with running_bot(standin, seed_data_dir, encoder):
            standin.push_document(READER, READER, "news.txt", "خبر".encode("utf-8"))
            return await reply_in(standin, READER)

    said = run(scenario()).params["text"]
    assert said == RLM + messages.text("upload_refused")
    assert "admin" not in said and "فقط برای مدیران" not in said
    assert not standin.calls_to("getFile")  # nothing was downloaded
