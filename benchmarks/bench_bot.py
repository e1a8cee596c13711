"""Throughput and reply latency of the Telegram bot under many simultaneous users.

The real bot (python-telegram-bot Application, real model, real seed index) runs
in this process against the Bot API stand-in from tests/. Each simulated user
sends a question, waits for the answer, then sends the next. Latency is the
time from the update being available to the bot's sendMessage reaching the
stand-in.

    .venv/bin/python benchmarks/bench_bot.py [--users 20] [--questions 15] [--outgoing-rate 0,30]

``--outgoing-rate 0`` measures the bot itself; 30 is the production default
(Telegram's ~30 messages/s flood limit, enforced by PTB's AIORateLimiter).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the Bot API stand-in lives with the tests

from tests.helpers.botapi_standin import BotApiStandIn, loopback_only  # noqa: E402
from machine_info import cpu_model  # noqa: E402

ON_TOPIC = [
    "کره شمالی چند کانتینر به روسیه فرستاده است؟",
    "این کانتینرها احتمالاً حامل چند گلوله توپخانه هستند؟",
    "روسیه در ازای مهمات کره‌ای چه چیزی به کره شمالی می‌دهد؟",
    "وزیر دفاع کره جنوبی چه کسی است؟",
    "اتحادیه اروپا چند درصد از گلوله‌های وعده‌داده را به کیف فرستاده است؟",
    "زلنسکی دربارهٔ گلوله‌های کره شمالی چه گفت؟",
    "کشتی‌های باری بین کدام بندرها تردد می‌کنند؟",
    "نشست پوتین و کیم جونگ اون کی برگزار شد؟",
]
OFF_TOPIC = [
    "پایتخت فرانسه کجاست؟",
    "بهترین دستور پخت قورمه سبزی چیست؟",
    "قیمت دلار امروز چقدر است؟",
    "چه کسی جام جهانی ۲۰۲۲ را برد؟",
]
QUESTIONS = ON_TOPIC + OFF_TOPIC


class TimedStandIn(BotApiStandIn):
    """The stand-in, noting when each chat's sendMessage arrives (before any work on it)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The stand-in closes every connection (HTTP/1.0) and listens with socketserver's backlog
        # of 5: a burst of replies overflows it, the kernel drops SYNs and clients retry after 1 s.
        # That would measure the stand-in, not the bot, so the backlog is raised here.
        self._server.socket.listen(256)
        self.arrivals: dict[int, threading.Event] = {}
        self.arrived_at: dict[int, float] = {}

    def _dispatch(self, method, params):  # the one hook that sees a request as it arrives
        if method == "sendMessage":
            chat = params.get("chat_id")
            chat = int(chat) if isinstance(chat, str) and chat.lstrip("-").isdigit() else chat
            if chat in self.arrivals:
                self.arrived_at[chat] = time.perf_counter()
                self.arrivals[chat].set()
        return super()._dispatch(method, params)


def machine() -> str:
    """Cores, CPU model, Python."""
    return (f"{os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
            f"PASOKH_THREADS={os.environ.get('PASOKH_THREADS')}")


def user(api: TimedStandIn, chat: int, questions: list[str], latencies: list[float], timeout: float) -> None:
    """One simulated user: ask, wait for the reply, ask the next."""
    event = api.arrivals[chat]
    for question in questions:
        event.clear()
        pushed = time.perf_counter()
        api.push_text(chat, chat, question)
        if not event.wait(timeout):
            raise TimeoutError(f"user {chat}: no reply within {timeout}s")
        latencies.append(api.arrived_at[chat] - pushed)


async def measure(api: TimedStandIn, data_dir: Path, encoder, *, users: int, per_user: int,
                  outgoing_rate: float, chat_base: int, **settings) -> dict:
    """Run the bot, let ``users`` users ask ``per_user`` questions each; return the figures."""
    from pasokh.bot.settings import Settings
    from pasokh.bot.telegram.app import ALLOWED_UPDATES, build_application

    base = Settings.from_env({"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url},
                             env_file=False, data_dir=data_dir)
    bot = base.bot.with_overrides(outgoing_rate=outgoing_rate, rate_limit=10_000, **settings)
    app = build_application(base.with_overrides(bot=bot), encoder)
    chats = [chat_base + i for i in range(users)]
    for chat in chats:
        api.arrivals[chat] = threading.Event()
    latencies: list[float] = []
    async with app:
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        try:
            # every user gets a thread of its own (asyncio.to_thread's pool has only cores + 4)
            pool = ThreadPoolExecutor(max_workers=users, thread_name_prefix="user")
            loop = asyncio.get_running_loop()
            # warm-up: one round, not measured
            await asyncio.gather(*(loop.run_in_executor(pool, user, api, chat, QUESTIONS[:1], [], 30)
                                   for chat in chats))
            sent_before = len(api.sent_messages())
            typing_before = len(api.calls_to("sendChatAction"))
            started = time.perf_counter()
            cpu_started = time.process_time()
            await asyncio.gather(*(
                loop.run_in_executor(pool, user, api, chat,
                                     [QUESTIONS[(i + j) % len(QUESTIONS)] for j in range(per_user)], latencies, 60)
                for i, chat in enumerate(chats)))
            pool.shutdown()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            sent = api.sent_messages()[sent_before:]
            typing = len(api.calls_to("sendChatAction")) - typing_before
        finally:
            await app.updater.stop()
            await app.stop()
    await app.post_shutdown(app)
    answered = sum(1 for m in sent if m.get("reply_markup"))
    latencies.sort()
    return {
        "questions": len(latencies), "seconds": elapsed, "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies), "p95": latencies[max(0, int(0.95 * len(latencies)) - 1)],
        "max": latencies[-1], "answered": answered, "declined": len(sent) - answered,
        "typing": typing, "cpu": cpu / elapsed,
    }


def index_seeds(target: Path) -> None:
    """Index seeds/ in a separate process, so torch is never loaded here (as in `pasokh bot`)."""
    subprocess.run([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(target), "index", "--quiet",
                    str(REPO / "seeds")], check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=15, help="questions per user")
    parser.add_argument("--outgoing-rate", default="0,30",
                        help="comma-separated flood-control rates to run (0 = none)")
    parser.add_argument("--data-dir", type=Path, help="an existing index (default: seeds/ indexed afresh)")
    args = parser.parse_args()

    from pasokh.embeddings.encoder import Encoder

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir or Path(scratch) / "seed-index"
        if not args.data_dir:
            index_seeds(data_dir)
        encoder = Encoder()
        results = {}
        with loopback_only(), TimedStandIn() as api:
            for phase, rate in enumerate(float(r) for r in args.outgoing_rate.split(",")):
                figures = asyncio.run(measure(api, data_dir, encoder, users=args.users, per_user=args.questions,
                                              outgoing_rate=rate, chat_base=1000 * (phase + 1)))
                results[rate] = figures
                label = "no flood control" if rate == 0 else f"flood control {rate:g} msg/s"
                print(f"[{label}] {figures['questions']} questions from {args.users} users in "
                      f"{figures['seconds']:.2f} s: {figures['rate']:.1f} answers/s; reply latency "
                      f"p50 {figures['p50'] * 1000:.0f} ms, p95 {figures['p95'] * 1000:.0f} ms, "
                      f"max {figures['max'] * 1000:.0f} ms; {figures['answered']} answered, "
                      f"{figures['declined']} declined; {figures['typing']} typing actions; "
                      f"process CPU {figures['cpu']:.2f} cores")
    summary = "; ".join(f"{'unlimited' if rate == 0 else f'limit {rate:g}/s'}: {f['rate']:.1f} q/s, "
                        f"p50 {f['p50'] * 1000:.0f} ms, p95 {f['p95'] * 1000:.0f} ms" for rate, f in results.items())
    print(f"SUMMARY bench_bot: {args.users} users on {os.cpu_count()} cores — {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
