"""Resizing the vocabulary keeps muP: the readout stays a MuReadout with its multipliers, every
parameter's infshape follows the new size, and the logits on the old vocabulary do not move."""
import pytest
import torch
from mup import MuReadout

import mutransformers as mt
from cases import VOCAB, base_of, gpt2_config, llama_config, t5_config


@pytest.mark.parametrize("mean_resizing", [True, False])
@pytest.mark.parametrize("cls, make_config, extra", [
    (mt.MuLlamaForCausalLM, llama_config, {}),  # untied
    (mt.MuLlamaForCausalLM, llama_config, {"readout_zero_init": True}),
    (mt.MuGPT2LMHeadModel, gpt2_config, {}),  # tied
    (mt.MuT5ForConditionalGeneration, t5_config, {}),
], ids=["llama", "llama-zero-readout", "gpt2-tied", "t5"])
def test_resized_vocabulary_stays_mup(cls, make_config, extra, mean_resizing):
    model = cls(make_config(64, mup_base=base_of(make_config, 32), output_mult=2.0, **extra)).eval()
    x = torch.randint(3, VOCAB, (2, 8))
    inputs = {"input_ids": x, "decoder_input_ids": x} if "T5" in cls.__name__ else {"input_ids": x}
    with torch.no_grad():
        before = model(**inputs).logits
        model.resize_token_embeddings(VOCAB + 8, mean_resizing=mean_resizing)
        after = model(**inputs).logits
    assert after.shape[-1] == VOCAB + 8 and model.config.vocab_size == VOCAB + 8
    torch.testing.assert_close(after[..., :VOCAB], before, rtol=0, atol=1e-6)
    head = model.get_output_embeddings()
    assert isinstance(head, MuReadout) and head.width_mult() == 2 and head.output_mult == 2.0
    for name, p in model.named_parameters():
        assert tuple(d.dim for d in p.infshape) == tuple(p.shape), name
    new_rows = head.weight[VOCAB:]
    if extra.get("readout_zero_init"):
        assert torch.count_nonzero(new_rows) == 0
    elif not mean_resizing:  # the base's init std: embeddings and readouts do not shrink with width
        std = model.config.initializer_factor if "T5" in cls.__name__ else model.config.initializer_range
        assert 0.5 * std < new_rows.std() < 2 * std
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-3)  # every parameter still carries its infshape
    assert len(optimizer.param_groups) >= 2
