"""WikiText-2 for the LR sweeps: raw text from a folder, a BPE tokenizer trained locally, batches.

We *train on test.txt and evaluate on valid.txt* of a raw WikiText-2 folder (the copy our
experiments ran on has no train split; test.txt is the larger of the two). ``--data`` names that
folder; without it, ``default_data`` loads WikiText-2 through ``datasets.load_dataset`` once and
writes the same two files into the cache, so both paths train on the same text. The tokenizer (byte-level BPE from the
``tokenizers`` library) is trained on the training file only and cached, as are the token ids.
Ids 0-3 are reserved: <s>, <pad>, </s>, <mask> (RoBERTa derives positions from pad id 1, which
therefore never occurs in text).
"""
import hashlib
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

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


WIKITEXT_2 = ("Salesforce/wikitext", "wikitext-2-raw-v1")  # the hub copy of Merity et al. 2016's raw text
SPLIT_FILES = {"test": TRAIN_FILE, "validation": EVAL_FILE, "train": "train.txt"}


def default_data() -> Path:
    """The WikiText-2 folder used when no ``--data`` is given: loaded once through
    ``datasets.load_dataset`` (datasets caches the download), then read from our cache. Offline and
    not cached, it fails at once naming ``--data``, instead of datasets' half a minute of retries."""
    folder = cache_dir() / WIKITEXT_2[1]
    if all((folder / name).is_file() for name in SPLIT_FILES.values()):
        return folder
    offline = "Offline, point --data at a local copy: a folder with test.txt and valid.txt (raw WikiText-2)"
    try:
        import datasets
    except ImportError as error:
        raise MuPError(f"No --data given, and loading WikiText-2 needs the datasets package: pip install "
                       f"datasets. {offline}.") from error
    if not (datasets.config.HF_HUB_OFFLINE or _hub_reachable()):  # offline mode reads datasets' cache at once
        raise MuPError(f"No --data given, and the Hugging Face Hub ({_hub_endpoint()}) cannot be reached to "
                       f"load WikiText-2. {offline}, or set HF_HUB_OFFLINE=1 if datasets has it cached.")
    try:
        splits = datasets.load_dataset(*WIKITEXT_2)
    except Exception as error:  # datasets raises ConnectionError, FileNotFoundError, ... by cause
        raise MuPError(f"No --data given, and datasets.load_dataset{WIKITEXT_2} failed "
                       f"({type(error).__name__}: {error}). {offline}.") from error
    folder.mkdir(parents=True, exist_ok=True)
    for split, name in SPLIT_FILES.items():  # each row is one line of the raw file, its newline included
        tmp = folder / f"{name}.{os.getpid()}.tmp"
        tmp.write_text("".join(splits[split]["text"]), encoding="utf-8")
        os.replace(tmp, folder / name)
    return folder


def _hub_endpoint() -> str:
    from huggingface_hub import constants
    return constants.ENDPOINT


def _hub_reachable(timeout: float = 3.0) -> bool:
    url = urlparse(_hub_endpoint())
    try:
        socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)), timeout).close()
        return True
    except OSError:
        return False


def resolve(data_dir) -> Path:
    """``--data`` as given, or the default WikiText-2 folder when it is None."""
    return default_data() if data_dir is None else Path(data_dir)


def _files(data_dir) -> tuple[Path, Path]:
    data_dir = resolve(data_dir)
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
    save_tokenizer_atomically(tok, stem)
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
    save_atomically(ids, path)
    return ids


def save_atomically(obj, path: Path):
    """torch.save through a temporary file and a rename: a worker reading the cache never sees half a file."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def save_tokenizer_atomically(tok: ByteLevelBPETokenizer, stem: Path):
    """save_model into a private folder, then rename merges and then vocab into place: a reader that finds
    both files (the cache test) finds both whole, even while another worker trains the same tokenizer."""
    private = stem.parent / f"{stem.name}.{os.getpid()}.tmp"
    private.mkdir(exist_ok=True)
    tok.save_model(str(private), stem.name)
    for suffix in ("-merges.txt", "-vocab.json"):
        os.replace(private / f"{stem.name}{suffix}", Path(f"{stem}{suffix}"))
    private.rmdir()


def unigram_loss(data_dir, vocab_size: int = 2048) -> float:
    """Held-out loss (nats) of the best guess that ignores context: the training unigram distribution.

    A run whose loss sits at this value has learned token frequencies and nothing else (the plateau
    masked LMs sit on before they learn to use context)."""
    train, held_out = token_ids(data_dir, vocab_size)
    counts = torch.bincount(train, minlength=vocab_size).double() + 1  # add-one: no token has probability 0
    return float(-(counts / counts.sum()).log()[held_out].mean())


OBJECTIVES = ("causal", "masked", "prefix")


def batches(ids: torch.Tensor, steps: int, batch_size: int, seq_len: int, objective: str, seed: int,
            mask_prob: float = 0.15, mask_id: int = MASK_ID):
    """``steps`` batches of random windows; the same ``seed`` gives the same batches at every width and LR.

    * ``causal``: ``labels = input_ids`` (the model shifts them);
    * ``masked``: ``mask_prob`` of the tokens replaced by <mask>, labels only there;
    * ``prefix`` (encoder-decoder, T5): the encoder reads the window's first half and the decoder
      predicts the second half token by token (a prefix LM on the same text, rather than T5's span
      corruption: every target token is next-token prediction, as for the causal LMs).
    """
    if objective not in OBJECTIVES:
        raise MuPError(f"objective={objective!r}: use one of {OBJECTIVES}.")
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        starts = torch.randint(0, len(ids) - seq_len, (batch_size,), generator=generator)
        x = torch.stack([ids[s:s + seq_len] for s in starts.tolist()])
        if objective == "prefix":
            yield {"input_ids": x[:, :seq_len // 2], "labels": x[:, seq_len // 2:].clone()}
            continue
        labels = x.clone()
        if objective == "masked":
            mask = torch.rand(x.shape, generator=generator) < mask_prob
            labels[~mask] = -100
            x = x.masked_fill(mask, mask_id)
        yield {"input_ids": x, "labels": labels}
