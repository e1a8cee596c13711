"""Admins add and remove articles through the bot (real Application, real model, stand-in API)."""

from __future__ import annotations

import asyncio
import os

from tests.helpers.telegram import ADMIN, current_texts, reply_in, running_bot, wait_for_text
from pasokh.retrieval.store import Store

OUTSIDER = 4242
ARTICLE = ("title: بودجهٔ فرهنگی شهرداری\nsource: خبرگزاری آزمایشی\n\n"
           "شورای شهر تبریز بودجهٔ فرهنگی سال آینده را ۸۵۰ میلیارد تومان تصویب کرد.\n"
           "بیشترین سهم این بودجه به ساخت کتابخانه‌های محله‌ای می‌رسد.\n")
QUESTION = "شورای شهر تبریز بودجهٔ فرهنگی را چقدر تصویب کرد؟"


def run_long(coro, timeout: float = 120):
    """Like the stand-in tests' ``run`` but with room for loading the passage model once."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def answer_to(api, chat_id: int, text: str):
    mark = len(api.calls)
    api.push_text(chat_id, chat_id, text)
    return await reply_in(api, chat_id, since=mark, timeout=30)


def test_outsiders_cannot_add_or_remove(standin, fresh_copy, encoder) -> None:
    async def scenario():
        async with running_bot(standin, fresh_copy, encoder):
            standin.push_document(OUTSIDER, OUTSIDER, "news.txt", ARTICLE.encode("utf-8"))
            first = await reply_in(standin, OUTSIDER)
            mark = len(standin.calls)
            standin.push_command(OUTSIDER, OUTSIDER, "add", ARTICLE)
            second = await reply_in(standin, OUTSIDER, since=mark)
            mark = len(standin.calls)
            standin.push_command(OUTSIDER, OUTSIDER, "remove", "040e5e524f598d68")
            third = await reply_in(standin, OUTSIDER, since=mark)
            return [first, second, third]

    first, second, third = run_long(scenario())
    assert "مدیران" in first.params["text"] and "دریافت یا ذخیره نشد" in first.params["text"]
    assert all("فقط برای مدیران" in r.params["text"] for r in (second, third))
    assert standin.calls_to("getFile") == []  # the outsider's file was never even downloaded
    store = Store(fresh_copy)
    assert store.counts() == (1, 14) and store.generation() == 1
    store.close()


def test_admin_uploads_a_document_and_everyone_can_ask(standin, fresh_copy, encoder) -> None:
    async def scenario():
        async with running_bot(standin, fresh_copy, encoder) as app:
            before = await answer_to(standin, 55, QUESTION)
            standin.push_document(ADMIN, ADMIN, "budget.txt", ARTICLE.encode("utf-8"))
            confirmation = await wait_for_text(standin, ADMIN, "جمله‌ها")
            worker_pid = app.bot_data.indexer().pid()
            after = await answer_to(standin, 55, QUESTION)
            bad = len(standin.calls)
            standin.push_document(ADMIN, ADMIN, "bad.txt", "خبر".encode("utf-16"))
            error = await reply_in(standin, ADMIN, since=bad, timeout=30)
            mark = len(standin.calls)
            standin.push_command(ADMIN, ADMIN, "remove", "budget")
            await reply_in(standin, ADMIN, since=mark, timeout=60)
            ask = standin.sent_messages(ADMIN)[-1]
            yes = ask["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            mark = len(standin.calls)
            standin.push_callback(ADMIN, ADMIN, yes, ask["message_id"])
            removed = await standin.wait_for_async("editMessageText", since=mark, timeout=60)
            gone = await answer_to(standin, 55, QUESTION)
            return before, confirmation, worker_pid, after, error, removed, gone

    before, confirmation, worker_pid, after, error, removed, gone = run_long(scenario())
    assert "budget" in confirmation and "بودجهٔ فرهنگی شهرداری" in confirmation and "جمله‌ها: ۲" in confirmation
    assert worker_pid and worker_pid != os.getpid()  # embedded in the indexing process, not the bot's
    assert "۸۵۰ میلیارد" not in before.params["text"]
    assert "۸۵۰ میلیارد" in after.params["text"] and "بودجهٔ فرهنگی شهرداری" in after.params["text"]
    assert "bad.txt" in error.params["text"] and "UTF-8" in error.params["text"]
    assert "budget" in removed.params["text"]
    assert "۸۵۰ میلیارد" not in gone.params["text"]
    # one status message, edited from «در حال نمایه‌سازی…» to the outcome: no second message for it
    assert sum("جمله‌ها" in t for t in current_texts(standin, ADMIN)) == 1


def test_upload_shows_progress_and_a_windows_1256_file_is_converted(standin, fresh_copy, encoder) -> None:
    lines = [f"در جلسه شماره {i} شوراي شهر تبريز بودجه محله {i} را {i * 7} ميليارد ريال تصويب كرد." for i in range(150)]
    body = ("title: گزارش شوراي شهر\n\n" + "\n".join(lines)).encode("cp1256")

    async def scenario():
        async with running_bot(standin, fresh_copy, encoder):
            standin.omit_file_sizes = True  # Telegram may leave file_size out: the download is capped anyway
            standin.push_document(ADMIN, ADMIN, "council.txt", body)
            return await wait_for_text(standin, ADMIN, "جمله‌ها", timeout=150)

    done = run_long(scenario(), timeout=180)
    assert "Windows-1256" in done and "جمله‌ها: ۱۵۰" in done
    edits = [c.params["text"] for c in standin.calls_to("editMessageText") if c.params["chat_id"] == ADMIN]
    assert any("٪" in text for text in edits), edits  # the status showed how far indexing had got
    assert standin.calls_to("sendChatAction")


def test_oversized_upload_without_a_size_is_refused_before_it_is_read_whole(standin, fresh_copy, encoder,
                                                                             monkeypatch) -> None:
    from pasokh.bot.telegram import admin

    monkeypatch.setattr(admin, "MAX_ARTICLE_BYTES", 2000)

    async def scenario():
        async with running_bot(standin, fresh_copy, encoder):
            standin.omit_file_sizes = True
            standin.push_document(ADMIN, ADMIN, "big.txt", ("خبر " * 2000).encode("utf-8"))
            return await reply_in(standin, ADMIN, timeout=30)

    said = run_long(scenario()).params["text"]
    assert "بزرگ‌تر از حد مجاز" in said
    store = Store(fresh_copy)
    assert store.counts() == (1, 14)
    store.close()


def test_admin_adds_text(standin, fresh_copy, encoder) -> None:
    async def scenario():
        async with running_bot(standin, fresh_copy, encoder):
            standin.push_command(ADMIN, ADMIN, "add", ARTICLE)
            await wait_for_text(standin, ADMIN, "جمله‌ها")
            standin.push_command(ADMIN, ADMIN, "add", ARTICLE)  # the same text again
            again = await wait_for_text(standin, ADMIN, "پیش‌تر", timeout=60)
            return again, await answer_to(standin, 56, QUESTION)

    again, answer = run_long(scenario())
    assert "۸۵۰ میلیارد" in answer.params["text"]
    assert "budget" not in again and "tg-" in again
