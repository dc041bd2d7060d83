"""A user's own text as token ids for tuning and training: read locally, nothing downloaded.

Sources (``Corpus.path``):

* a WikiText-style folder holding ``test.txt`` and ``valid.txt``: trained on / held out as the
  sweeps do (sweep/data.py);
* any other folder of ``.txt`` files (sorted by name, one document each), or one ``.txt`` file;
* a ``.jsonl`` file, one JSON object per line, its text under ``text_field``;
* a HuggingFace ``datasets`` dataset saved with ``save_to_disk`` (a ``DatasetDict``: its ``train``
  split, and ``validation``/``test`` as the held-out text where it has one).

Tokens come from the user's tokenizer (a folder ``AutoTokenizer`` loads) or from a byte-level BPE
trained locally on the training text and cached (as the sweeps do). Where no held-out split is
given, the last ``eval_fraction`` of the token stream is held out.
"""
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ..core.errors import MuPError
from . import data as wikitext

_DATASET_MARKERS = ("dataset_info.json", "dataset_dict.json", "state.json")


@dataclass(frozen=True)
class Corpus:
    path: str
    text_field: str = "text"
    tokenizer: str | None = None  # a folder AutoTokenizer loads; None: byte-level BPE trained here
    vocab_size: int = 2048  # the local BPE's vocabulary (a given tokenizer brings its own)
    eval_fraction: float = 0.05  # held out from the end of the stream where the source has no split

    def __post_init__(self):
        if not 0 < self.eval_fraction < 1:
            raise MuPError(f"--eval-fraction {self.eval_fraction}: it must be between 0 and 1.")
        if not Path(self.path).exists():
            raise MuPError(f"--data {self.path}: no such file or folder.")

    @property
    def is_wikitext(self) -> bool:
        return all((Path(self.path) / name).is_file() for name in (wikitext.TRAIN_FILE, wikitext.EVAL_FILE))

    # -- text -------------------------------------------------------------------------------
    def texts(self) -> tuple[list[str], list[str] | None]:
        """(training documents, held-out documents or None when the split is taken by fraction)."""
        path = Path(self.path)
        if path.is_dir() and any((path / m).exists() for m in _DATASET_MARKERS):
            return self._saved_dataset(path)
        if path.is_dir():
            files = sorted(path.rglob("*.txt"))
            if not files:
                raise MuPError(f"--data {path}: a folder without .txt files. Give .txt files, a .jsonl file "
                               "or a dataset saved with datasets' save_to_disk.")
            return [_read(f) for f in files], None
        if path.suffix == ".jsonl":
            return self._jsonl(path), None
        return [_read(path)], None

    def _jsonl(self, path: Path) -> list[str]:
        documents = []
        for number, line in enumerate(_read(path).splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise MuPError(f"{path} line {number} is not JSON ({error}): give one JSON object per line.")
            if not isinstance(record, dict) or self.text_field not in record:
                fields = sorted(record) if isinstance(record, dict) else type(record).__name__
                raise MuPError(f"{path} line {number} has no field {self.text_field!r} (it has {fields}): "
                               "name the text's field with --text-field.")
            documents.append(str(record[self.text_field]))
        return documents

    def _saved_dataset(self, path: Path):
        try:
            import datasets
        except ImportError as error:
            raise MuPError("Reading a saved dataset needs `datasets`: pip install 'mutransformers[tune]'.") from error
        loaded = datasets.load_from_disk(str(path))
        splits = dict(loaded) if isinstance(loaded, datasets.DatasetDict) else {"train": loaded}
        if "train" not in splits:
            raise MuPError(f"{path}: a DatasetDict without a 'train' split (it has {sorted(splits)}).")
        held_out = next((splits[s] for s in ("validation", "test") if s in splits), None)
        for split in filter(None, (splits["train"], held_out)):
            if self.text_field not in split.column_names:
                raise MuPError(f"{path}: no column {self.text_field!r} (it has {split.column_names}): name the "
                               "text's column with --text-field.")
        column = lambda split: [str(t) for t in split[self.text_field]]  # noqa: E731
        return column(splits["train"]), column(held_out) if held_out is not None else None

    # -- tokens -----------------------------------------------------------------------------
    def load_tokenizer(self):
        """The user's tokenizer, or the local BPE (trained on the training text, cached)."""
        if self.tokenizer:
            from transformers import AutoTokenizer
            try:
                return AutoTokenizer.from_pretrained(self.tokenizer, local_files_only=True)
            except (OSError, ValueError) as error:
                raise MuPError(f"--tokenizer {self.tokenizer}: AutoTokenizer cannot load it ({error}).") from error
        train, _ = self.texts()
        stem = wikitext.cache_dir() / f"bpe-{self._digest(train)}"
        vocab, merges = Path(f"{stem}-vocab.json"), Path(f"{stem}-merges.txt")
        if not (vocab.exists() and merges.exists()):
            tok = wikitext.ByteLevelBPETokenizer()
            tok.train_from_iterator(train, vocab_size=self.vocab_size, min_frequency=2,
                                    special_tokens=wikitext.SPECIAL, show_progress=False)
            wikitext.save_tokenizer_atomically(tok, stem)
        return wikitext.ByteLevelBPETokenizer(str(vocab), str(merges))

    def token_ids(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(train ids, held-out ids) as int64 tensors, cached."""
        if self.is_wikitext and not self.tokenizer:
            return wikitext.token_ids(self.path, self.vocab_size)
        train, held_out = self.texts()
        cache = wikitext.cache_dir() / f"corpus-{self._digest(train + (held_out or []))}.pt"
        if cache.exists():
            return torch.load(cache)
        tok = self.load_tokenizer()
        encode = (lambda text: tok.encode(text).ids) if not self.tokenizer else \
            (lambda text: tok(text, add_special_tokens=False)["input_ids"])  # noqa: E731
        stream = lambda docs: torch.tensor([i for d in docs for i in encode(d)], dtype=torch.long)  # noqa: E731
        if not any(t.strip() for t in train):
            raise MuPError(f"--data {self.path}: the text is empty.")
        if held_out is None:
            ids = stream(train)
            cut = len(ids) - int(len(ids) * self.eval_fraction)
            result = (ids[:cut], ids[cut:])
        else:
            result = (stream(train), stream(held_out))
        wikitext.save_atomically(result, cache)
        return result

    def vocab_size_used(self) -> int:
        tok = self.load_tokenizer()
        return len(tok) if self.tokenizer else tok.get_vocab_size()

    @property
    def mask_id(self) -> int | None:
        if not self.tokenizer:
            return wikitext.MASK_ID
        return self.load_tokenizer().mask_token_id

    def unigram_loss(self) -> float:
        if self.is_wikitext and not self.tokenizer:
            return wikitext.unigram_loss(self.path, self.vocab_size)
        train, held_out = self.token_ids()
        size = int(max(train.max(), held_out.max())) + 1
        counts = torch.bincount(train, minlength=size).double() + 1
        return float(-(counts / counts.sum()).log()[held_out].mean())

    def check_fits(self, model_vocab_size: int, masked: bool):
        """The tokenizer's ids must index the model's embedding; a masked LM needs a mask token."""
        used = self.vocab_size_used()
        if used > model_vocab_size:
            raise MuPError(f"The tokenizer has {used} tokens but the target's vocab_size is {model_vocab_size}: "
                           f"ids past {model_vocab_size - 1} have no embedding. Use a tokenizer that fits, or "
                           "a target with vocab_size >= the tokenizer's.")
        if masked and self.mask_id is None:
            raise MuPError(f"--tokenizer {self.tokenizer} has no mask token, which a masked LM target needs.")

    def describe(self) -> dict:
        train, held_out = self.token_ids()
        return {**asdict(self), "train_tokens": len(train), "eval_tokens": len(held_out),
                "split": "train/held-out files" if self.is_wikitext or self.texts()[1] is not None
                else f"last {self.eval_fraction:g} of the token stream held out"}

    def _digest(self, documents: list[str]) -> str:
        h = hashlib.sha256()
        for d in documents:
            h.update(d.encode())
            h.update(b"\0")
        h.update(json.dumps([self.tokenizer, self.vocab_size, self.eval_fraction, self.text_field]).encode())
        if self.tokenizer:  # its files, not only its path: a tokenizer changed in place gives new ids
            for f in sorted(Path(self.tokenizer).glob("*")):
                if f.is_file():
                    h.update(f.read_bytes())
        return h.hexdigest()[:16]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MuPError(f"--data: cannot read {path} as UTF-8 text ({error}).") from error


def as_corpus(data, vocab_size: int = 2048) -> Corpus:
    """A Corpus, or a WikiText folder path (the sweeps' ``--data``; None: WikiText-2 loaded) as one."""
    return data if isinstance(data, Corpus) else Corpus(str(wikitext.resolve(data)), vocab_size=vocab_size)
