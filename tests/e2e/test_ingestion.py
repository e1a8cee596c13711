"""New articles arriving by themselves: the newsroom's channel, its Telegram export, its feeds and pages.

Channel posts go through the real Application and the Bot API stand-in; feeds
and pages are served by a web server on 127.0.0.1. Nothing leaves loopback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from pasokh.retrieval.indexer import Indexer
from pasokh.retrieval.ingest.feeds import FeedPoller
from pasokh.retrieval.ingest.telegram_posts import article_id
from pasokh.retrieval.search import Searcher
from pasokh.retrieval.store import Store
from tests.helpers.cli import pasokh
from tests.helpers.telegram import running_bot
from tests.helpers.web_server import Route, WebServer

CHANNEL_ID = -1001234567890
POST = ("شورای شهر تبریز بودجه فرهنگی سال آینده را تصویب کرد\n"
        "اعضای شورای شهر تبریز در جلسه امروز بودجه فرهنگی سال آینده را ۸۵۰ میلیارد تومان تصویب کردند. "
        "بیشترین سهم این بودجه به ساخت کتابخانه‌های محله‌ای می‌رسد.")
QUESTION = "شورای شهر تبریز بودجه فرهنگی را چقدر تصویب کرد؟"


def _answer(data_dir, encoder, question=QUESTION):
    searcher = Searcher(data_dir, encoder)
    try:
        return searcher.ask(question)
    finally:
        searcher.close()


async def _until(condition, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.2)


def _article_ids(data_dir) -> dict[str, str]:
    store = Store(data_dir, create=False)
    try:
        return {a.article_id: store.article_text(a.key) for a in store.live_articles()}
    finally:
        store.close()


# ---------------------------------------------------------------- the channel

def test_channel_posts_edits_albums_and_forwards(standin, fresh_copy, encoder, caplog) -> None:
    live_id = article_id(1234567890, 1)

    async def scenario():
        async with running_bot(standin, fresh_copy, encoder, channels=frozenset({"tabriznews"})):
            with caplog.at_level(logging.INFO):
                post = standin.push_channel_post(CHANNEL_ID, POST, username="tabriznews", title="خبر تبریز",
                                                 message_id=1)
                await _until(lambda: live_id in _article_ids(fresh_copy))
                answered = _answer(fresh_copy, encoder)
                edited = POST.replace("۸۵۰", "۹۲۰")
                standin.push_channel_post(CHANNEL_ID, edited, username="tabriznews", title="خبر تبریز",
                                          message_id=post["message_id"], edited=True)
                await _until(lambda: "۹۲۰" in _article_ids(fresh_copy).get(live_id, ""))
                generation = Store(fresh_copy).generation()
                standin.push_channel_post(CHANNEL_ID, edited, username="tabriznews", title="خبر تبریز",
                                          message_id=post["message_id"], edited=True)  # unchanged
                # an album: three photos, one caption
                album = "آلبوم عکس: نمایشگاه کتاب تبریز امروز با حضور ناشران استان گشایش یافت و تا جمعه برپاست."
                for number, caption in ((10, album), (11, None), (12, None)):
                    standin.push_channel_post(CHANNEL_ID, caption=caption, media="photo", media_group_id="g1",
                                              username="tabriznews", title="خبر تبریز", message_id=number)
                standin.push_channel_post(CHANNEL_ID, "🔴 فوری", username="tabriznews", message_id=13)
                forwarded = ("به گزارش خبرگزاری فارس، قیمت بلیت قطار تهران به مشهد از اول تیر ماه "
                             "ده درصد افزایش می‌یابد و فروش اینترنتی از شنبه آغاز می‌شود.")
                standin.push_channel_post(CHANNEL_ID, forwarded, username="tabriznews", message_id=14,
                                          forward_from={"type": "channel", "date": 0, "message_id": 777,
                                                        "chat": {"id": -1009, "type": "channel",
                                                                 "title": "خبرگزاری فارس", "username": "farsna"}})
                standin.push_channel_post(-1009876543210, POST + " دیگر", username="elsewhere", message_id=1)
                await _until(lambda: article_id(1234567890, 14) in _article_ids(fresh_copy))
                await asyncio.sleep(1.0)
                return answered, edited, generation

    answered, edited, generation = asyncio.run(asyncio.wait_for(scenario(), 180))
    assert answered.answered and "۸۵۰" in answered.hits[0].text
    assert answered.hits[0].url == "https://t.me/tabriznews/1" and answered.hits[0].source == "خبر تبریز"
    assert answered.hits[0].title.startswith("شورای شهر تبریز بودجه فرهنگی")
    ids = _article_ids(fresh_copy)
    assert ids[live_id] == edited  # the edit replaced the text
    assert Store(fresh_copy).generation() > generation  # the album and the forward; the unchanged edit added none
    album_ids = [i for i in ids if i.startswith("tg1234567890-1") and i != live_id and i != article_id(1234567890, 14)]
    assert album_ids == [article_id(1234567890, 10)]  # indexed once, from its caption
    assert article_id(1234567890, 13) not in ids and article_id(9876543210, 1) not in ids
    forward = _answer(fresh_copy, encoder, "قیمت بلیت قطار تهران به مشهد چقدر افزایش می‌یابد؟")
    assert forward.answered and forward.hits[0].source == "خبرگزاری فارس"
    assert forward.hits[0].url == "https://t.me/farsna/777"
    assert "too_short" in caplog.text and "not in PASOKH_CHANNELS" in caplog.text


# ---------------------------------------------------------------- the export

def _export(path, messages):
    path.write_text(json.dumps({"name": "خبر تبریز", "type": "public_channel", "id": 1234567890,
                                "messages": messages}, ensure_ascii=False), encoding="utf-8")
    return path


def test_channel_export_imports_once_with_the_live_ids(tmp_path, encoder) -> None:
    data = tmp_path / "data"
    export = _export(tmp_path / "result.json", [
        {"id": 1, "type": "message", "date": "2024-06-17T09:30:00", "text": POST},
        {"id": 2, "type": "message", "date": "2024-06-18T10:00:00",
         "text": ["گزارش ", {"type": "bold", "text": "ویژه"}, ": نمایشگاه کتاب تبریز امروز با حضور ناشران استان "
                  "گشایش یافت و تا جمعه برپاست؛ ورود برای همه رایگان است."]},
        {"id": 3, "type": "service", "action": "pin_message"},
        {"id": 4, "type": "message", "text": "👍"},
    ])
    first = pasokh("import-telegram", str(export), "--username", "tabriznews", "--json", data_dir=data)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert (summary["added"], summary["skipped"], summary["posts"]) == (2, 2, 3)
    again = json.loads(pasokh("import-telegram", str(export), "--username", "tabriznews", "--json",
                              data_dir=data).stdout)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 2)  # a re-run changes nothing
    ids = _article_ids(data)
    assert set(ids) == {article_id(1234567890, 1), article_id(1234567890, 2)}
    assert "گزارش ویژه: نمایشگاه" in ids[article_id(1234567890, 2)]  # entity pieces joined as plain text
    answer = _answer(data, encoder)
    assert answer.hits[0].url == "https://t.me/tabriznews/1" and answer.hits[0].published.startswith("2024-06-17")
    human = pasokh("import-telegram", str(export), "--username", "@tabriznews", data_dir=data)
    assert "خبر تبریز" in human.stdout and "۲ بی‌تغییر" in human.stdout


def test_a_malformed_export_is_named_and_what_was_imported_stays(tmp_path) -> None:
    data = tmp_path / "data"
    good = _export(tmp_path / "result.json", [{"id": 1, "type": "message", "text": POST}])
    assert pasokh("import-telegram", str(good), data_dir=data).returncode == 0
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x", "messages": [', encoding="utf-8")
    done = pasokh("import-telegram", str(broken), data_dir=data)
    assert done.returncode == 1 and "broken.json" in done.stderr and "Traceback" not in done.stderr
    other = tmp_path / "notes.json"
    other.write_text('{"title": "not an export"}', encoding="utf-8")
    done = pasokh("import-telegram", str(other), data_dir=data)
    assert done.returncode == 1 and "notes.json" in done.stderr and "خروجی JSON" in done.stderr
    assert set(_article_ids(data)) == {article_id(1234567890, 1)}


# ---------------------------------------------------------------- feeds and pages

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>خبرگزاری آزمایشی</title><link>{base}</link>
{items}
</channel></rss>"""
RSS_ITEM = """<item><title>{title}</title><link>{link}</link>
<pubDate>Mon, 17 Jun 2024 09:30:00 GMT</pubDate><description><![CDATA[{summary}]]></description></item>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>هفته‌نامه آزمایشی</title><id>urn:x</id><updated>2024-06-18T10:00:00Z</updated>
<entry><title>سد امیرکبیر</title><link href="{link}"/><id>urn:e1</id><updated>2024-06-18T10:00:00Z</updated>
<content type="html"><![CDATA[<p>{text}</p>]]></content></entry></feed>"""
PAGE = """<html><head><title>{title}</title></head><body><nav>خانه | ورزش | اقتصاد</nav>
<article><h1>{title}</h1><p>{text}</p><p>این خبر را خبرنگار ما از محل گزارش کرده است و جزئیات بیشتر آن به‌زودی
منتشر می‌شود.</p></article><footer>همه حقوق محفوظ است</footer></body></html>"""
METRO = ("شهرداری تهران اعلام کرد که خط ۱۰ متروی پایتخت تا پایان سال ۱۴۰۴ به بهره‌برداری می‌رسد. "
         "به گفته مدیرعامل شرکت مترو، این خط ۴۳ کیلومتر طول و ۳۵ ایستگاه خواهد داشت.")
DAM = ("حجم آب سد امیرکبیر کرج به ۷۵ میلیون متر مکعب رسیده است که نسبت به سال گذشته ۱۲ درصد کمتر است. "
       "مدیرعامل شرکت آب منطقه‌ای گفت مردم باید در مصرف آب صرفه‌جویی کنند تا تابستان بدون جیره‌بندی بگذرد.")


def _rss(web, items):
    body = RSS.format(base=web.url("/"), items="\n".join(RSS_ITEM.format(**item) for item in items))
    web.routes["/news.rss"] = Route(body.encode("utf-8"), "application/rss+xml")


def test_feeds_new_edited_failing_and_oversized_entries(tmp_path, encoder, caplog) -> None:
    data = tmp_path / "data"
    indexer = Indexer(data, encoder)
    with WebServer() as web:
        web.routes["/metro.html"] = Route(PAGE.format(title="خط ۱۰ مترو", text=METRO).encode("utf-8"))
        web.routes["/huge.html"] = Route(PAGE.format(title="بزرگ", text="متن " * 20_000).encode("utf-8"))
        _rss(web, [{"title": "خط ۱۰ مترو", "link": web.url("/metro.html"), "summary": "خلاصه کوتاه خبر مترو"},
                   {"title": "خبر بزرگ", "link": web.url("/huge.html"), "summary": "خلاصه"}])
        web.routes["/weekly.atom"] = Route(ATOM.format(link=web.url("/dam"), text=DAM).encode("utf-8"),
                                           "application/atom+xml")
        reports = []
        poller = FeedPoller([web.url("/news.rss"), web.url("/weekly.atom")], data,
                            lambda articles: reports.append(indexer.index_articles(articles)),
                            interval=10, max_page_bytes=50_000, timeout=2.0)
        with caplog.at_level(logging.WARNING):
            poller.poll_once(now=0)
        metro = _answer(data, encoder, "خط ۱۰ مترو چند ایستگاه دارد؟")
        dam = _answer(data, encoder, "حجم آب سد امیرکبیر چقدر است؟")
        assert metro.answered and "۳۵ ایستگاه" in metro.hits[0].text  # the page's text, not the summary
        assert metro.hits[0].url == web.url("/metro.html") and metro.hits[0].source == "خبرگزاری آزمایشی"
        assert metro.hits[0].published.startswith("2024-06-17")
        assert dam.answered and dam.hits[0].source == "هفته‌نامه آزمایشی"  # the Atom entry's own content
        assert "page_too_large" in caplog.text and "huge.html" in caplog.text  # refused, with a clear line
        # nothing changed: both feeds answer 304 to the conditional GET, nothing is re-indexed
        poller.poll_once(now=11)
        assert web.statuses("/news.rss")[-1] == 304 and web.statuses("/weekly.atom")[-1] == 304
        assert len(reports) == 2  # one indexing run per feed, both in the first poll
        # the metro entry is edited; the Atom feed fails twice (a 500, then a timeout)
        web.routes["/metro.html"] = Route(PAGE.format(title="خط ۱۰ مترو",
                                                      text=METRO.replace("۳۵ ایستگاه", "۳۸ ایستگاه")).encode())
        _rss(web, [{"title": "خط ۱۰ مترو (به‌روز)", "link": web.url("/metro.html"), "summary": "خلاصه تازه"}])
        web.routes["/weekly.atom"].fail_times = 1
        poller.poll_once(now=22)
        assert poller.states[web.url("/weekly.atom")].failures == 1
        web.routes["/weekly.atom"].delay = 3.0  # longer than the 2 s timeout
        poller.poll_once(now=22 + 21)
        assert poller.states[web.url("/weekly.atom")].failures == 2  # backed off, tried again, failed again
        edited = _answer(data, encoder, "خط ۱۰ مترو چند ایستگاه دارد؟")
        assert "۳۸ ایستگاه" in edited.hits[0].text and "۳۵ ایستگاه" not in edited.hits[0].text
        web.routes["/weekly.atom"].delay = 0.0
        poller.poll_once(now=10_000)
        assert poller.states[web.url("/weekly.atom")].failures == 0  # recovered
    assert len([a for a in _article_ids(data)]) == 2


def test_index_a_page_by_url(tmp_path, encoder) -> None:
    data = tmp_path / "data"
    with WebServer() as web:
        web.routes["/a.html"] = Route(PAGE.format(title="خط ۱۰ مترو", text=METRO).encode("utf-8"))
        done = pasokh("index", web.url("/a.html"), web.url("/missing.html"), "--json", data_dir=data)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and len(report["added"]) == 1 and len(report["errors"]) == 1
    assert "missing.html" in report["errors"][0] and "404" in report["errors"][0]
    text = next(iter(_article_ids(data).values()))
    assert "۳۵ ایستگاه" in text and "خانه | ورزش" not in text and "حقوق محفوظ" not in text
    assert "به‌بهره‌برداری" not in text and "بهره‌برداری" in text  # the page's own ZWNJs are kept
    local = pasokh("index", "file:///etc/passwd", data_dir=data)
    assert local.returncode == 1 and "http" in local.stderr
