"""The text the tests train on, made here: no test reads a data set from outside the repository.

A fixed-seed generator writes English-like prose: made-up words drawn with Zipf frequencies (as
natural text has, so the unigram baseline sits well below a uniform guess) and joined by a small
grammar, so that a model has context to learn (a determiner predicts a noun, a subject's number its
verb's ending). It is laid out as a WikiText-2 raw folder, ``test.txt`` (trained on) and
``valid.txt`` (held out), so every data path of the library reads it as it reads WikiText-2.
"""
import os
import random
import tempfile
from functools import lru_cache
from pathlib import Path

SENTENCES = {"test.txt": 6000, "valid.txt": 600}  # ~430 KB and ~43 KB: BPE-512 trains in about a second
SEED = 0


def _words(rng: random.Random, count: int, syllables: tuple[int, int]) -> list[str]:
    onsets, vowels, codas = "b c d f g h k l m n p r s t v w z br st tr pl".split(), "a e i o u ai ou".split(), \
        ["", "", "n", "r", "s", "l", "nd", "st"]
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                          for _ in range(rng.randint(*syllables))))
    ranked = sorted(words)  # a set's order varies between runs; the sorted list, shuffled by the seed, does not
    rng.shuffle(ranked)
    return ranked


def _zipf_picker(rng: random.Random, words: list[str]):
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return lambda: rng.choices(words, weights)[0]


def _sentence(pick, rng: random.Random) -> str:
    def noun_phrase():
        singular = rng.random() < 0.6
        adjective = f"{pick['adjective']()} " if rng.random() < 0.4 else ""
        determiner = rng.choice(["the", "a", "this"] if singular else ["the", "some", "these"])
        return f"{determiner} {adjective}{pick['noun']()}{'' if singular else 's'}", singular

    subject, singular = noun_phrase()
    verb = pick["verb"]() + ("s" if singular else "")
    obj, _ = noun_phrase()
    tail = f" {rng.choice(['in', 'of', 'with', 'near'])} {noun_phrase()[0]}" if rng.random() < 0.5 else ""
    return f"{subject[0].upper()}{subject[1:]} {verb} {obj}{tail} ."


def write(folder: Path) -> Path:
    """Writes the two files into ``folder`` (same bytes on every call) and returns it."""
    rng = random.Random(SEED)
    pick = {kind: _zipf_picker(rng, _words(rng, count, syllables))
            for kind, count, syllables in (("noun", 600, (1, 3)), ("verb", 200, (1, 2)), ("adjective", 150, (2, 3)))}
    folder.mkdir(parents=True, exist_ok=True)
    for name, sentences in SENTENCES.items():
        lines = []
        for i in range(sentences):
            if i % 60 == 0:
                lines += ["", f" = {pick['noun']().title()} {pick['noun']().title()} = ", ""]
            lines.append(_sentence(pick, rng))
        tmp = folder / f"{name}.{os.getpid()}.tmp"  # several xdist workers may write at once
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, folder / name)
    return folder


@lru_cache(maxsize=None)
def folder() -> Path:
    """The corpus folder for this machine's tests (written once per process; its content never changes)."""
    return write(Path(tempfile.gettempdir()) / f"mutransformers-test-corpus-{SEED}")


DATA = folder()
