"""Screenshots of what Telegram readers and editors see: the bot's real replies, in a chat bubble.

    .venv/bin/python docs/render_screenshots.py        (make screenshots; needs Debian's chromium)

Runs the real bot on the seed article against the Bot API stand-in on
127.0.0.1, takes three replies (an answer, a not-found, an editor's /sources),
turns each one's Telegram HTML into a right-to-left chat bubble as a client
lays it out, and renders it with headless Chromium into docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import html
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the stand-in lives with the tests

from tests.helpers.botapi_standin import BotApiStandIn, loopback_only  # noqa: E402
from tests.helpers.telegram import ADMIN, reply_in, running_bot  # noqa: E402

OUT = REPO / "docs" / "screenshots"
PAGE = """<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #d7e4ee; font: 15px/1.55 "Noto Naskh Arabic", "Noto Sans Arabic", sans-serif;
       padding: 18px; width: 560px; }}
.q {{ background: #effdde; border-radius: 14px 14px 4px 14px; padding: 8px 12px; margin: 0 0 10px 80px;
      box-shadow: 0 1px 1px rgba(0,0,0,.15); }}
.bubble {{ background: #fff; border-radius: 14px 14px 14px 4px; padding: 10px 14px; margin-right: 40px;
           box-shadow: 0 1px 1px rgba(0,0,0,.15); white-space: pre-wrap; unicode-bidi: plaintext; }}
.bubble a {{ color: #168acd; text-decoration: none; }}
.keys {{ margin-right: 40px; display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }}
.key {{ flex: 1 1 40%; background: rgba(80,110,140,.55); color: #fff; text-align: center; border-radius: 8px;
        padding: 6px; font-size: 13px; }}
.name {{ color: #3a8ad3; font-weight: bold; font-size: 13px; }}
</style></head><body>
<div class="q">{question}</div>
<div class="bubble"><div class="name">پاسخ</div>{reply}</div>
<div class="keys">{keys}</div>
</body></html>"""


def telegram_html_to_page(text: str) -> str:
    """The reply's Telegram HTML (b, i, a and line breaks) as page HTML, each line its own paragraph direction."""
    lines = [f'<div dir="auto">{line or "&nbsp;"}</div>' for line in text.replace("\u200f", "").split("\n")]
    return "".join(lines)


def keyboard(markup: dict | None) -> str:
    keys = [b["text"] for row in (markup or {}).get("inline_keyboard", []) for b in row]
    return "".join(f'<div class="key">{html.escape(k)}</div>' for k in keys)


async def replies(data_dir: Path, encoder) -> list[tuple[str, str, dict]]:
    with loopback_only(), BotApiStandIn() as api:
        async with running_bot(api, data_dir, encoder):
            shots = []
            for chat, question in ((501, "کره شمالی چند کانتینر به روسیه فرستاده است؟"),
                                   (502, "قیمت بلیت قطار تهران به مشهد چند است؟")):
                api.push_text(chat, chat, question)
                call = await reply_in(api, chat, timeout=60)
                shots.append((question, call.params["text"], call.params.get("reply_markup")))
            api.push_command(ADMIN, ADMIN, "sources")
            call = await reply_in(api, ADMIN, timeout=60)
            shots.append(("/sources", call.params["text"], call.params.get("reply_markup")))
            return shots


def main() -> int:
    from pasokh.embeddings.encoder import Encoder
    from pasokh.retrieval.indexer import Indexer

    OUT.mkdir(parents=True, exist_ok=True)
    encoder = Encoder()
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        folder = Path(scratch) / "articles"
        folder.mkdir()
        (folder / "metro.txt").write_text(
            "title: خط ۱۰ متروی تهران تا پایان سال به بهره‌برداری می‌رسد\nsource: خبرگزاری نمونه\n"
            "url: https://example.org/metro\npublished: 2024-06-17T09:30:00Z\n\n"
            "شهرداری تهران اعلام کرد که خط ۱۰ متروی پایتخت تا پایان سال ۱۴۰۴ به بهره‌برداری می‌رسد.\n",
            encoding="utf-8")
        Indexer(data, encoder).index_paths([REPO / "seeds", folder])
        shots = asyncio.run(replies(data, encoder))
        for name, (question, text, markup) in zip(("answer", "not-found", "editor-sources"), shots):
            page = Path(scratch) / f"{name}.html"
            page.write_text(PAGE.format(question=html.escape(question), reply=telegram_html_to_page(text),
                                        keys=keyboard(markup)), encoding="utf-8")
            height = 160 + 26 * (text.count("\n") + 1) + 22 * len(re.findall(r"[^\n]{70}", text))
            subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            "--disable-background-networking", "--disable-component-update", "--no-first-run",
                            f"--user-data-dir={scratch}/profile", f"--window-size=600,{min(1400, height)}",
                            f"--screenshot={OUT / (name + '.png')}", page.as_uri()],
                           check=True, capture_output=True, timeout=120)
            print(OUT / (name + ".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
