"""Messages that are not questions: greetings, thanks, goodbyes, or nothing at all.

A reader who writes «سلام» or «ممنون» expects a polite word, not a search; in
a group the bot should say nothing. Recognised when, after normalization, the
message holds nothing but such phrases (and function words or a word for the
bot): «سلام خسته نباشید», «مرسی از ربات», «thanks!».
"""

from __future__ import annotations

from enum import Enum

from .normalize import STOPWORDS, match_tokens, normalize_for_matching


class SmallTalk(Enum):
    """What a message that is not a question is."""

    NOTHING = "nothing"  # empty, punctuation, emoji
    GREETING = "greeting"
    THANKS = "thanks"
    FAREWELL = "farewell"


_PHRASES = {
    SmallTalk.GREETING: ["سلام", "درود", "سلام علیکم", "علیک سلام", "صبح بخیر", "صبح به خیر", "شب بخیر", "عصر بخیر",
                         "روز بخیر", "وقت بخیر", "وقتتون بخیر", "خوبی", "خوبین", "خوبید", "چطوری", "چطورید",
                         "حالت چطوره", "hi", "hello", "hey", "good morning", "good evening", "salam", "سلامتی"],
    SmallTalk.THANKS: ["ممنون", "ممنونم", "مرسی", "متشکرم", "متشکر", "تشکر", "سپاس", "سپاسگزارم", "خسته نباشید",
                       "خسته نباشی", "دمت گرم", "دستت درد نکنه", "دست شما درد نکنه", "عالی بود", "عالی", "ایول",
                       "thanks", "thank you", "thx", "great", "ok", "okay", "اوکی", "باشه", "خیلی", "لطف کردی",
                       "لطف کردید"],
    SmallTalk.FAREWELL: ["خداحافظ", "خدانگهدار", "بدرود", "فعلا", "bye", "goodbye", "see you"],
}
_FILLER = frozenset(normalize_for_matching(w) for w in (
    "ربات", "پاسخ", "عزیز", "جان", "جون", "دوست", "من", "شما", "از", "هم", "خیلی", "very", "much", "you", "bot",
    "so", "a", "lot", "dear"))
_SEQUENCES = sorted(((tuple(match_tokens(p, drop_stopwords=False)), kind) for kind, phrases in _PHRASES.items()
                     for p in phrases), key=lambda item: -len(item[0]))


def small_talk(text: str) -> SmallTalk | None:
    """What ``text`` is if it is not a question, or None for a question."""
    tokens = match_tokens(text, drop_stopwords=False)
    if not tokens:
        return SmallTalk.NOTHING
    found: SmallTalk | None = None
    position = 0
    while position < len(tokens):
        for sequence, kind in _SEQUENCES:
            if tuple(tokens[position:position + len(sequence)]) == sequence:
                found = found or kind
                position += len(sequence)
                break
        else:
            token = tokens[position]
            if token not in _FILLER and token not in STOPWORDS:
                return None  # a content word: this is a question (or a statement to search)
            position += 1
    return found or SmallTalk.NOTHING  # every other word was filler
