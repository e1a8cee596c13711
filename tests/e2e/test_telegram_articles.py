"""Admins add and remove articles through the bot (real Application, real model, stand-in API)."""

from __future__ import annotations

import asyncio

from tests.helpers.telegram import ADMIN, reply_in, run, running_bot
from pasokh.retrieval.store import Store

OUTSIDER = 4242
ARTICLE = ("title: بودجهٔ فرهنگی شهرداری\nsource: خبرگزاری آزمایشی\n\n"
           "شورای شهر تبریز بودجهٔ فرهنگی سال آینده را ۸۵۰ میلیارد تومان تصویب کرد.\n"
           "بیشترین سهم این بودجه به ساخت کتابخانه‌های محله‌ای می‌رسد.\n")
QUESTION = "شورای شهر تبریز بودجهٔ فرهنگی را چقدر تصویب کرد؟"


def run_long(coro):
    """Like the stand-in tests' ``run`` but with room for loading the passage model once."""
    return asyncio.run(asyncio.wait_for(coro, 120))


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

    replies = run_long(scenario())
    assert all("فقط برای مدیران" in r.params["text"] for r in replies)
    assert standin.calls_to("getFile") == []  # the outsider's file was never even downloaded
    store = Store(fresh_copy)
    assert store.counts() == (1, 14) and store.generation() == 1
    store.close()


def test_admin_uploads_a_document_and_everyone_can_ask(standin, fresh_copy, encoder) -> None:
    async def scenario():
        async with running_bot(standin, fresh_copy, encoder):
            before = await answer_to(standin, 55, QUESTION)
            standin.push_document(ADMIN, ADMIN, "budget.txt", ARTICLE.encode("utf-8"))
            deadline = asyncio.get_running_loop().time() + 90
            while not any("جمله‌ها" in m["text"] for m in standin.sent_messages(ADMIN)):
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.1)
            after = await answer_to(standin, 55, QUESTION)
            bad = len(standin.calls)
            standin.push_document(ADMIN, ADMIN, "bad.txt", "خبر".encode("utf-16"))
            error = await reply_in(standin, ADMIN, since=bad, timeout=30)
            mark = len(standin.calls)
            standin.push_command(ADMIN, ADMIN, "remove", "budget")
            removed = await reply_in(standin, ADMIN, since=mark, timeout=60)
            gone = await answer_to(standin, 55, QUESTION)
            return before, after, error, removed, gone

    before, after, error, removed, gone = run_long(scenario())
    confirmation = next(m["text"] for m in standin.sent_messages(ADMIN) if "جمله‌ها" in m["text"])
    assert "budget" in confirmation and "بودجهٔ فرهنگی شهرداری" in confirmation and "جمله‌ها: ۲" in confirmation
    assert "۸۵۰ میلیارد" not in before.params["text"]
    assert "۸۵۰ میلیارد" in after.params["text"] and "بودجهٔ فرهنگی شهرداری" in after.params["text"]
    assert "bad.txt" in error.params["text"] and "UTF-8" in error.params["text"]
    assert "budget" in removed.params["text"]
    assert "۸۵۰ میلیارد" not in gone.params["text"]


def test_admin_adds_text(standin, fresh_copy, encoder) -> None:
    async def scenario():
        async with running_bot(standin, fresh_copy, encoder):
            standin.push_command(ADMIN, ADMIN, "add", ARTICLE)
            deadline = asyncio.get_running_loop().time() + 90
            while not any("جمله‌ها" in m["text"] for m in standin.sent_messages(ADMIN)):
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.1)
            mark = len(standin.calls)
            standin.push_command(ADMIN, ADMIN, "add", ARTICLE)  # the same text again
            again = await reply_in(standin, ADMIN, since=mark, timeout=30)
            while "پیش‌تر" not in standin.sent_messages(ADMIN)[-1]["text"]:
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.1)
            return await answer_to(standin, 56, QUESTION)

    answer = run_long(scenario())
    assert "۸۵۰ میلیارد" in answer.params["text"]
    assert "پیش‌تر" in standin.sent_messages(ADMIN)[-1]["text"]
