"""End-to-end tests of the Telegram bot.

The real python-telegram-bot Application (real httpx client, real polling or
webhook), the real bundled model and the real seed index, against the Bot API
stand-in on 127.0.0.1. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pasokh.bot import messages
from pasokh.bot.telegram import format as fmt
from pasokh.bot.telegram.format import RLM
from pasokh.bot.telegram.redaction import TokenRedactor
from pasokh.retrieval.abstention import AbstentionPolicy
from pasokh.retrieval.search import Reason
from tests.helpers.botapi_standin import Call
from tests.helpers.cli import pasokh_command
from tests.helpers.paths import SEED_QUESTION as QUESTION
from tests.helpers.telegram import (ADMIN, GROUP, assert_telegram_html, count_in, replied_text, reply_in, run,
                                    running_bot, sent_to)

# ---------------------------------------------------------------- conversations

def test_start_and_command_menu(standin, seed_data_dir, encoder) -> None:
    async def scenario() -> Call:
        async with running_bot(standin, seed_data_dir, encoder):
            standin.push_command(1, 1, "start")
            return await reply_in(standin, 1)

    welcome = run(scenario()).params["text"]
    assert "۱ مقالهٔ خبری" in welcome and "تازه‌ترین مقاله" in welcome
    assert all(line.startswith(RLM) for line in welcome.split("\n") if line)
    public = standin.bot_commands()
    assert [c["command"] for c in public] == ["start", "help", "sources", "about"]
    assert all(re.search("[\u0600-\u06FF]", c["description"]) for c in public)
    admin = standin.bot_commands({"type": "chat", "chat_id": ADMIN})
    assert [c["command"] for c in admin][-5:] == ["stats", "unanswered", "reload", "add", "remove"]


def test_question_is_answered_with_the_right_sentence(standin, seed_data_dir, encoder) -> None:
    async def scenario() -> Call:
        async with running_bot(standin, seed_data_dir, encoder):
            standin.push_text(2, 2, QUESTION)
            return await reply_in(standin, 2)

    call = run(scenario())
    text, params = call.params["text"], call.params
    first = text.split("\n")[0]
    assert first.startswith(RLM + "<b>۱.</b> «") and "کانتینر" in first
    assert "<b>۶۷۰۰</b>" in first  # the number that answers «چند» is in bold
    assert "<i>(جملهٔ ۲)</i>" in first
    # the article is named once, under its quotes
    assert text.count("اکوایران (به نقل از بلومبرگ)") == 1 and "\n" + RLM + "— وزیر دفاع کره جنوبی" in text
    assert all(line.startswith(RLM) for line in text.split("\n") if line)
    assert_telegram_html(text)
    assert params["parse_mode"] == "HTML" and params["link_preview_options"] == {"is_disabled": True}
    assert replied_text(standin, call) == QUESTION
    rows = params["reply_markup"]["inline_keyboard"]
    context_row = next(row for row in rows if row[0]["text"].startswith("متن پیرامون"))
    quotes = text.count("«")
    assert len(context_row) == quotes and all(b["callback_data"].startswith("ctx:") for b in context_row)
    assert [b["text"] for b in rows[-1]] == ["👍", "👎"]
    assert all(len(b["callback_data"].encode()) <= 64 for row in rows for b in row)
    methods = [c.method for c in standin.calls if c.method in ("sendChatAction", "sendMessage")]
    assert methods == ["sendChatAction", "sendMessage"]  # typing first (typing_delay=0 here)
    assert standin.calls_to("sendChatAction")[0].params["action"] == "typing"


def test_off_topic_questions_are_declined_politely(standin, seed_data_dir, encoder) -> None:
    questions = {3: "پایتخت فرانسه کجاست؟", 4: "بهترین دستور پخت قورمه سبزی چیست؟", 5: "سلام"}

    async def scenario() -> dict[int, Call]:
        async with running_bot(standin, seed_data_dir, encoder):
            for chat, text in questions.items():
                standin.push_text(chat, chat, text)
            return {chat: await reply_in(standin, chat) for chat in questions}

    replies = run(scenario())
    for chat in (3, 4):
        text = replies[chat].params["text"]
        assert text.startswith(RLM + messages.reason_text(Reason.NO_MATCH))
        assert "/sources" in text and "«" not in text.split("نزدیک‌ترین خبر")[0]  # no quote offered as an answer
        assert_telegram_html(text)
    assert replies[5].params["text"] == RLM + messages.reason_text(Reason.GREETING)
    assert all("reply_markup" not in r.params for r in replies.values())


def test_html_in_questions_and_articles_is_shown_literally(standin, library_data_dir, encoder) -> None:
    async def scenario() -> tuple[Call, Call]:
        async with running_bot(standin, library_data_dir, encoder):
            standin.push_text(6, 6, "<b>x</b> & شرکت آلفا و بتا چه چیزی منتشر می‌کند؟")
            standin.push_text(7, 7, "<b>x</b> & <i>")
            return await reply_in(standin, 6), await reply_in(standin, 7)

    answered, declined = run(scenario())
    text = answered.params["text"]
    assert_telegram_html(text)
    assert_telegram_html(declined.params["text"])
    visible = re.sub(r"</?b>", "", text)  # the answering words are in bold; the quote is the same text
    assert "«شرکت آلفا &amp; بتا اعلام کرد که نسخهٔ &lt;b&gt;جدید&lt;/b&gt; نرم‌افزار" in visible
    assert '<a href="https://example.org/a?x=1&amp;y=2">شرکت &lt;b&gt;آلفا&lt;/b&gt; &amp; بتا</a>' in text
    assert "خبرگزاری &lt;i&gt;آزمون&lt;/i&gt;" in text


def test_long_answer_is_split_into_messages(standin, library_data_dir, encoder) -> None:
    question = "ناشران در نمایشگاه کتاب چند عنوان کتاب تازه عرضه کردند؟"

    async def scenario() -> None:
        async with running_bot(standin, library_data_dir, encoder, answer_k=30) as app:
            # quote thirty sentences of thirty articles, each cited, to make a reply over 4096 characters
            app.bot_data.searcher.policy = AbstentionPolicy(follow_up_margin=1.0, follow_up_ratio=0.0)
            standin.push_text(8, 8, question)
            await count_in(standin, 8, 2)
            await asyncio.sleep(0.2)

    run(scenario())
    calls = [c for c in standin.calls_to("sendMessage") if c.params["chat_id"] == 8]
    assert len(calls) >= 2
    for call in calls:
        assert_telegram_html(call.params["text"])
        assert replied_text(standin, call) == question
    assert ["reply_markup" in c.params for c in calls] == [False] * (len(calls) - 1) + [True]
    joined = "\n\n".join(c.params["text"] for c in calls)
    assert all(f"<b>{messages.fa_digits(rank)}.</b> «" in joined for rank in range(1, 31))
    assert sum(len(c.params["text"]) for c in calls) > fmt.MAX_MESSAGE_CHARS


def test_sources_lists_many_articles_across_messages(standin, library_data_dir, encoder) -> None:
    async def scenario() -> None:
        async with running_bot(standin, library_data_dir, encoder, sources_limit=100):
            standin.push_command(9, 9, "sources")
            await count_in(standin, 9, 2)
            await asyncio.sleep(0.3)

    run(scenario())
    texts = [m["text"] for m in standin.sent_messages(9)]
    assert len(texts) >= 2
    for text in texts:
        assert_telegram_html(text)
        assert text.startswith(RLM)
    joined = "\n\n".join(texts)
    assert "مقاله‌های نمایه‌شده (۴۶)" in joined
    assert all(f"شهرهای ایران &lt;{i}&gt;</a>" in joined for i in range(45))
    assert '<a href="https://example.org/news/44">' in joined and "۱۵ دی ۱۴۰۲" in joined  # Jalali, not ISO
    assert joined.index("شرکت &lt;b&gt;آلفا") < joined.index("شهرهای ایران &lt;0&gt;")  # newest first


def app_log(data_dir):
    from pasokh.bot.question_log import QuestionLog

    log = QuestionLog(data_dir)
    try:
        return log.counts(limit=1000)
    finally:
        log.close()


def test_groups_answer_only_mentions_replies_and_commands(standin, seed_data_dir, encoder) -> None:
    follow_up = "روسیه در ازای مهمات چه چیزی به کره شمالی می‌دهد؟"

    async def scenario() -> tuple[Call, Call, Call]:
        async with running_bot(standin, seed_data_dir, encoder):
            standin.push_text(GROUP, 41, "سلام بچه‌ها، کسی می‌داند جلسه کی است؟", chat_type="group")
            standin.push_text(GROUP, 42, f"@pasokh_test_bot {QUESTION}", chat_type="group")
            mention = await reply_in(standin, GROUP)
            mark = len(standin.calls)
            standin.push_text(GROUP, 43, follow_up, chat_type="group", reply_to_bot=True)
            reply = await reply_in(standin, GROUP, since=mark)
            mark = len(standin.calls)
            standin.push_text(GROUP, 44, QUESTION, chat_type="group")  # not addressed to the bot
            standin.push_command(GROUP, 45, "help", chat_type="group", mention_bot=True)
            help_reply = await reply_in(standin, GROUP, since=mark)
            await asyncio.sleep(0.5)
            return mention, reply, help_reply

    mention, reply, help_reply = run(scenario())
    assert "۶۷۰۰" in mention.params["text"]
    logged = [row.text for row in app_log(seed_data_dir)]
    assert QUESTION in logged and not any("@pasokh_test_bot" in t for t in logged)  # the mention is stripped
    assert replied_text(standin, reply) == follow_up and "مواد غذایی" in reply.params["text"]
    assert "@pasokh_test_bot" in help_reply.params["text"]
    assert len(standin.sent_messages(GROUP)) == 3  # chatter and the unaddressed question ignored


def test_rate_limit_per_user(standin, seed_data_dir, encoder) -> None:
    async def scenario() -> int:
        async with running_bot(standin, seed_data_dir, encoder, rate_limit=2) as app:
            for _ in range(5):
                standin.push_text(10, 10, QUESTION)
            standin.push_text(11, 11, QUESTION)  # another user is not affected
            await count_in(standin, 10, 3)
            await reply_in(standin, 11)
            await asyncio.sleep(0.5)
            return app.bot_data.stats.rate_limited

    assert run(scenario()) == 3
    texts = [m["text"] for m in standin.sent_messages(10)]
    assert len(texts) == 3  # two answers, one refusal (told once, then ignored)
    refusals = [t for t in texts if "آهسته‌تر" in t]
    assert len(refusals) == 1 and "۲ درخواست در دقیقه" in refusals[0]
    assert "۶۷۰۰" in standin.sent_messages(11)[0]["text"]


def test_buttons_more_and_context_work_after_a_restart(standin, library_data_dir, encoder) -> None:
    """«more» edits the answer in place, adds less relevant results under a heading, and goes away
    when nothing relevant is left; every button works after a restart; forged data does nothing."""
    chat, question = 12, "ناشران در نمایشگاه کتاب چند عنوان کتاب تازه عرضه کردند؟"

    async def first_life() -> tuple[dict, Call]:
        async with running_bot(standin, library_data_dir, encoder):
            standin.push_text(chat, chat, question)
            await reply_in(standin, chat)
            answer = standin.sent_messages(chat)[-1]
            mark = len(standin.calls)
            rows = answer["reply_markup"]["inline_keyboard"]
            context_button = next(b["callback_data"] for row in rows for b in row if b["callback_data"].startswith("ctx:"))
            standin.push_callback(chat, chat, context_button, answer["message_id"])
            return answer, await reply_in(standin, chat, since=mark)

    async def second_life(answer: dict) -> tuple[list[Call], list[Call]]:
        async with running_bot(standin, library_data_dir, encoder):  # a new Application, nothing carried over
            edits, alerts = [], []
            for _ in range(12):  # press «more» until it is gone
                message = standin.message(chat, answer["message_id"])
                more = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                        if b["callback_data"].startswith("more:")]
                if not more:
                    break
                mark = len(standin.calls)
                standin.push_callback(chat, chat, more[0], answer["message_id"])
                done = await standin.wait_for_async("answerCallbackQuery", since=mark)
                await asyncio.sleep(0.3)
                edits += [c for c in standin.calls[mark:] if c.method == "editMessageText"]
                alerts.append(done)
            for forged in ("more:3:0000000000", "ctx:1", "ctx:1:0000000000", "fb:+:1:00000000ff"):
                mark = len(standin.calls)
                standin.push_callback(chat, chat, forged, answer["message_id"])
                alerts.append(await standin.wait_for_async("answerCallbackQuery", since=mark))
            return edits, alerts

    answer, context = run(first_life())
    context_text = context.params["text"]
    assert_telegram_html(context_text)
    assert "<b>(" in context_text and "ناشران" in context_text
    edits, alerts = run(second_life(answer), timeout=60)
    assert edits, "«more» edits the answer"
    assert all(e.params["message_id"] == answer["message_id"] for e in edits)  # in place, no new message
    assert messages.text("more_heading") in edits[-1].params["text"]
    assert edits[-1].params["text"].count("«") > answer["text"].count("«")
    final = standin.message(chat, answer["message_id"])
    assert not any(b["callback_data"].startswith("more:") for row in final["reply_markup"]["inline_keyboard"]
                   for b in row)  # nothing relevant left: the button is gone
    assert len(standin.sent_messages(chat)) == 2  # the answer and the context, nothing else
    stale, *forged = alerts[-4:]
    assert stale.params["show_alert"] is True and stale.params["text"] == messages.text("stale_question")
    assert all(a.params["text"] == messages.text("unknown_button") for a in forged)


def test_admin_commands(standin, fresh_copy, encoder, tmp_path) -> None:
    from pasokh.retrieval.indexer import Indexer

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text("خبر تازه\n\nشهرداری تهران امروز از افتتاح سه ایستگاه تازهٔ مترو خبر داد.",
                                   "utf-8")

    async def scenario() -> list[str]:
        async with running_bot(standin, fresh_copy, encoder):
            standin.push_command(13, 13, "stats")
            standin.push_command(14, 14, "reload")
            await reply_in(standin, 13)
            await reply_in(standin, 14)
            standin.push_text(ADMIN, ADMIN, QUESTION)
            await reply_in(standin, ADMIN)
            mark = len(standin.calls)
            standin.push_command(ADMIN, ADMIN, "stats")
            stats = await reply_in(standin, ADMIN, since=mark)
            await asyncio.to_thread(Indexer(fresh_copy, encoder).index_paths, [extra])
            mark = len(standin.calls)
            standin.push_command(ADMIN, ADMIN, "reload")
            reloaded = await reply_in(standin, ADMIN, since=mark)
            return [stats.params["text"], reloaded.params["text"]]

    stats, reloaded = run(scenario())
    refusal = fmt.text_html("admin_only")
    assert standin.sent_messages(13)[0]["text"] == refusal == standin.sent_messages(14)[0]["text"]
    assert "پرسش‌ها: ۱ — پاسخ‌داده: ۱" in stats and "میانه" in stats and "صدک ۹۵" in stats
    assert "نسل ۱، ۱ مقاله، ۱۴ جمله" in stats
    assert "نسل ۲، ۲ مقاله، ۱۶ جمله" in reloaded  # the title line is a sentence too


# PTB's own RetryAfter.__init__ warns that retry_after will become a timedelta
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_recovers_from_flood_limit_and_server_errors(standin, seed_data_dir, encoder) -> None:
    """429 and 500 on sendMessage: retried; when retries run out the user hears about it;
    the bot keeps answering; the token never reaches the logs, even with httpx at DEBUG."""
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root, verbose = logging.getLogger(), [logging.getLogger(n) for n in ("httpx", "pasokh")]
    levels = [logger.level for logger in verbose]
    undo = TokenRedactor([standin.token]).install()
    root.addHandler(handler)
    for logger in verbose:
        logger.setLevel(logging.DEBUG)

    async def scenario() -> None:
        async with running_bot(standin, seed_data_dir, encoder):
            standin.fail_next("sendMessage", 429, retry_after=1)
            standin.push_text(15, 15, QUESTION)
            await reply_in(standin, 15)
            standin.fail_next("sendMessage", 500)
            standin.push_text(16, 16, QUESTION)
            await reply_in(standin, 16)
            standin.fail_next("sendMessage", 500, times=4)  # the first try and all three retries
            standin.push_text(17, 17, QUESTION)
            await reply_in(standin, 17)
            standin.push_text(18, 18, QUESTION)
            await reply_in(standin, 18)

    try:
        run(scenario())
    finally:
        root.removeHandler(handler)
        undo()
        for logger, level in zip(verbose, levels):
            logger.setLevel(level)
    for chat in (15, 16, 18):
        assert "۶۷۰۰" in standin.sent_messages(chat)[0]["text"]
    assert standin.sent_messages(17)[0]["text"] == fmt.text_html("error")
    assert [c.params["chat_id"] for c in standin.failed_calls] == [15, 16] + [17] * 4
    logs = captured.getvalue()
    assert "HTTP Request: POST" in logs and "/bot<token>/sendMessage" in logs
    assert "error while handling an update" in logs and "Traceback" in logs
    assert standin.token not in logs and standin.token.split(":")[1] not in logs


# ---------------------------------------------------------------- `pasokh bot` as a process

def _bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(PASOKH_ENV_FILE=str(tmp_path / "no.env"), PASOKH_THREADS="1", **extra)
    return env


def test_start_without_token_is_a_clear_error(tmp_path) -> None:
    result = subprocess.run(pasokh_command("--data-dir", str(tmp_path), "bot"), cwd=tmp_path, env=_bot_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "توکن" in result.stderr
    assert "Traceback" not in result.stderr


def test_rejected_token_is_a_clear_error(standin, seed_data_dir, tmp_path) -> None:
    wrong = "999:wrong-token-abcdef"  # PTB's own InvalidToken message quotes the token
    env = _bot_env(tmp_path, TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_BASE_URL=standin.base_url)
    result = subprocess.run(pasokh_command("--data-dir", str(seed_data_dir), "bot"), cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Telegram rejected the bot token" in result.stderr and "index closed" in result.stderr
    assert "Traceback" not in result.stderr and wrong not in result.stderr and "wrong-token" not in result.stderr


@contextlib.contextmanager
def bot_process(args: list[str], env: dict[str, str], cwd: Path):
    process = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_pasokh_bot_polls_and_stops_cleanly_on_sigterm(standin, seed_data_dir, tmp_path) -> None:
    env = _bot_env(tmp_path, TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_API_BASE_URL=standin.base_url)
    with bot_process(pasokh_command("--data-dir", str(seed_data_dir), "bot"), env, tmp_path) as process:
        standin.wait_for("setMyCommands", timeout=40)
        standin.push_text(19, 19, QUESTION)
        answer = standin.wait_for(sent_to(19), timeout=15)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert "۶۷۰۰" in answer.params["text"]
    assert "index closed" in stderr and "Traceback" not in stderr
    assert standin.token not in stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post_update(url: str, update: dict, secret: str) -> int:
    request = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST", headers={
        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_pasokh_bot_webhook_checks_the_secret(standin, seed_data_dir, tmp_path) -> None:
    port, secret = _free_port(), "pasokh-test_secret"
    url = f"http://127.0.0.1:{port}/pasokh-hook"
    env = _bot_env(tmp_path, TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_API_BASE_URL=standin.base_url,
                   TELEGRAM_WEBHOOK_SECRET=secret)
    update = {"update_id": 1, "message": {
        "message_id": 1, "date": int(time.time()), "text": QUESTION,
        "chat": {"id": 20, "type": "private", "first_name": "U"},
        "from": {"id": 20, "is_bot": False, "first_name": "U"}}}
    with bot_process(pasokh_command("--data-dir", str(seed_data_dir), "bot", "--webhook-url", url, "--port", str(port)),
                     env, tmp_path) as process:
        hook = standin.wait_for("setWebhook", timeout=40)
        deadline = time.monotonic() + 10
        while True:  # the webhook server starts listening right after setWebhook
            try:
                status = _post_update(url, update, "wrong-secret")
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert status == 403
        assert _post_update(url, update, secret) == 200
        answer = standin.wait_for(sent_to(20), timeout=15)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert hook.params["url"] == url and hook.params["secret_token"] == secret
    assert "۶۷۰۰" in answer.params["text"]
    assert secret not in stderr and standin.token not in stderr
