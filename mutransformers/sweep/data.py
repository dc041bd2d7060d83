"""WikiText-2 for the LR sweeps: raw text from a folder, a BPE tokenizer trained locally, batches.

We *train on test.txt and evaluate on valid.txt* of ``../shared/data/wikitext-2`` (the folder has
no train split; test.txt is the larger of the two). The tokenizer (byte-level BPE from the
``tokenizers`` library) is trained on the training file only and cached, as are the token ids.
Ids 0-3 are reserved: <s>, <pad>, </s>, <mask> (RoBERTa derives positions from pad id 1, which
therefore never occurs in text).
"""
import hashlib
import os
from pathlib import Path

import torch
from tokenizers import ByteLevelBPETokenizer

from ..core.errors import MuPError

TRAIN_FILE, EVAL_FILE = "test.txt", "valid.txt"
SPECIAL = ["<s>", "<pad>", "</s>", "<mask>"]
MASK_ID = 3


def cache_dir() -> Path:
    path = Path(os.environ.get("MUTRANSFORMERS_CACHE", Path.home() / ".cache" / "mutransformers"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _files(data_dir) -> tuple[Path, Path]:
    data_dir = Path(data_dir)
    train, held_out = data_dir / TRAIN_FILE, data_dir / EVAL_FILE
    for path in (train, held_out):
        if not path.exists():
            raise MuPError(f"No {path.name} in {data_dir}: point --data at a raw WikiText-2 folder "
                           f"holding {TRAIN_FILE} (training) and {EVAL_FILE} (evaluation).")
    return train, held_out


def _digest(path: Path, vocab_size: int) -> str:
    return hashlib.sha256(path.read_bytes() + str(vocab_size).encode()).hexdigest()[:16]


def tokenizer(data_dir, vocab_size: int = 2048) -> ByteLevelBPETokenizer:
    """Byte-level BPE trained on the training file, cached by content hash."""
    train, _ = _files(data_dir)
    stem = cache_dir() / f"bpe-{_digest(train, vocab_size)}"
    vocab, merges = Path(f"{stem}-vocab.json"), Path(f"{stem}-merges.txt")
    if vocab.exists() and merges.exists():
        return ByteLevelBPETokenizer(str(vocab), str(merges))
    tok = ByteLevelBPETokenizer()
    tok.train([str(train)], vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIAL, show_progress=False)
    tok.save_model(str(stem.parent), stem.name)
    return tok


def token_ids(data_dir, vocab_size: int = 2048) -> tuple[torch.Tensor, torch.Tensor]:
    """(train ids, eval ids) as int64 tensors, cached."""
    train, held_out = _files(data_dir)
    path = cache_dir() / f"ids-{_digest(train, vocab_size)}-{_digest(held_out, vocab_size)}.pt"
    if path.exists():
        return torch.load(path)
    tok = tokenizer(data_dir, vocab_size)
    ids = tuple(torch.tensor(tok.encode(p.read_text(encoding="utf-8")).ids, dtype=torch.long)
                for p in (train, held_out))
    torch.save(ids, path)
    return ids


def batches(ids: torch.Tensor, steps: int, batch_size: int, seq_len: int, masked: bool, seed: int):
    """``steps`` batches of random windows; the same ``seed`` gives the same batches at every width and LR.

    Causal LMs get ``labels = input_ids`` (the model shifts them). Masked LMs get 15% of tokens
    replaced by <mask> and labels only there.
    """
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        starts = torch.randint(0, len(ids) - seq_len, (batch_size,), generator=generator)
        x = torch.stack([ids[s:s + seq_len] for s in starts.tolist()])
        labels = x.clone()
        if masked:
            mask = torch.rand(x.shape, generator=generator) < 0.15
            labels[~mask] = -100
            x = x.masked_fill(mask, MASK_ID)
        yield {"input_ids": x, "labels": labels}
