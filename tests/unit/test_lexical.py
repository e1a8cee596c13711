"""The lexical channel: FTS5 terms in the store, kept in step with the sentence rows."""

from __future__ import annotations

import sqlite3

from pasokh.retrieval import schema
from pasokh.retrieval.lexical import fts_query, sentence_terms
from pasokh.retrieval.normalize import match_tokens
from pasokh.retrieval.store import DB_NAME, Store


def test_terms_are_matching_tokens_and_queries_quote_and_stem():
    assert sentence_terms("كره شمالي ۶۷۰۰ کانتینر فرستاد.") == "کره شمالی 6700 کانتینر فرستاد"
    query = fts_query(["کانتینرها", "6700", 'a"b'])
    assert query == '"کانتی"* OR "6700" OR "a""b"'
    assert fts_query([]) is None


def test_seed_index_finds_names_by_their_words(seed_data_dir):
    store = Store(seed_data_dir, create=False)
    try:
        found = store.lexical_search(match_tokens("زلنسکی"), 5)
        assert found, "the name is in the article"
        records = store.sentences_by_ids([i for i, _ in found])
        assert "زلنسکی" in records[found[0][0]].text
        counts = store.term_document_counts(["پیونگیانگ", "ناموجود"])
        assert counts["ناموجود"] == 0 and counts["پیونگیانگ"] >= 2
    finally:
        store.close()


def test_an_index_from_before_the_lexical_channel_is_migrated(tmp_path):
    """A version-1 data directory (no FTS table) gains one, filled from its sentences, on open."""
    path = tmp_path / DB_NAME
    db = sqlite3.connect(path, isolation_level=None)
    for statement in schema.MIGRATIONS[0].split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("PRAGMA user_version=1")
    db.execute("INSERT INTO articles(article_id, title, source, language, content_hash, text, n_sentences, "
               "indexed_at, added_gen) VALUES ('a', 't', 's', 'fa', 'h', 'x', 1, 0, 1)")
    db.execute("INSERT INTO sentences(article_key, position, char_start, char_end, text) "
               "VALUES (1, 0, 0, 30, 'بندر راجین در نزدیکی مرز روسیه')")
    db.close()
    store = Store(tmp_path, create=False)
    try:
        assert store.lexical_search(["راجین"], 3) and store.term_document_counts(["راجین"]) == {"راجین": 1}
    finally:
        store.close()
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == schema.SCHEMA_VERSION
