"""How much of a question's wording a sentence contains."""

from __future__ import annotations

from .normalize import match_tokens, normalize_for_matching


def lexical_overlap(question: str, sentence: str, *, tokens: list[str] | None = None) -> float:
    """Fraction of the question's content tokens found in ``sentence``.

    Matching is on normalized text, so ZWNJ, Arabic letter forms and digit
    scripts do not matter; a token also counts if it appears with the spaces
    squeezed out (the seed article writes ``کرهجنوبی`` for ``کره جنوبی``).
    """
    tokens = match_tokens(question) if tokens is None else tokens  # callers scoring many sentences pass them
    if not tokens:
        return 0.0
    haystack = normalize_for_matching(sentence)
    squashed = haystack.replace(" ", "")
    found = sum(1 for token in tokens if token in haystack or (len(token) > 3 and token in squashed))
    return found / len(tokens)
