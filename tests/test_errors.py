"""Bad input gets a MuPError that names the problem and the fix — never a silent SP model."""
import mup
import pytest
import transformers

import mutransformers as mt


def bert_config(**kw):
    fields = dict(hidden_size=32, intermediate_size=64, num_attention_heads=4, num_hidden_layers=2, vocab_size=50)
    fields.update(kw)
    return mt.BertConfig(**fields)


@pytest.fixture
def bsh_file(tmp_path):
    base = mt.BertForMaskedLM(bert_config())
    delta = mt.BertForMaskedLM(bert_config(hidden_size=48, intermediate_size=96))
    path = tmp_path / "bert32.bsh"
    mup.make_base_shapes(base, delta, savefile=str(path))
    return str(path)


def test_base_shapes_file_of_another_depth(bsh_file):
    with pytest.raises(mt.MuPError, match=r"do not match MuBertForMaskedLM.*another depth") as err:
        mt.BertForMaskedLM(bert_config(hidden_size=64, num_hidden_layers=3, mup_base_shapes=bsh_file))
    assert "bert.encoder.layer.2" in str(err.value)


def test_base_shapes_file_of_another_head(bsh_file):
    with pytest.raises(mt.MuPError, match=r"have no base shape.*classifier") as err:
        mt.BertForSequenceClassification(bert_config(hidden_size=64, mup_base_shapes=bsh_file))
    assert "name no parameter" in str(err.value) and "cls.predictions" in str(err.value)


def test_matching_base_shapes_file_is_used(bsh_file):
    model = mt.BertForMaskedLM(bert_config(hidden_size=128, intermediate_size=256, mup_base_shapes=bsh_file,
                                           attn_mult=1.0))
    assert model.bert.encoder.layer[0].attention.self.query.weight.infshape.width_mult() == 4
    assert model.cls.predictions.decoder.width_mult() == 4


@pytest.mark.parametrize("fields, message", [
    (dict(hidden_size=30), r"hidden_size=30, not a multiple of num_attention_heads=4"),
    (dict(mup_base={"hidden_size": 18}), r"base model \(mup_base\) has hidden_size=18, not a multiple"),
    (dict(mup_base={"num_hidden_layers": 1}), r"base depth, but MuBertConfig: BERT is post-LN"),
    (dict(mup_base={"num_labels": 1}), r"not a width of MuBertConfig"),
    (dict(mup_base={"hidden_size": 16.5}), r"positive integers"),
    (dict(output_mult=0), r"output_mult=0: it must be a positive number"),
    (dict(attn_mult=-1.0), r"attn_mult=-1.0"),
])
def test_bad_config_values(fields, message):
    with pytest.raises(mt.MuPError, match=message):
        bert_config(**fields)


def test_gpt2_without_attention_scaling_is_refused():
    with pytest.raises(mt.MuPError, match="scale_attn_weights=False"):
        mt.GPT2Config(n_embd=32, n_head=4, scale_attn_weights=False)


def test_upstream_config_is_refused_by_a_mup_model():
    with pytest.raises(mt.MuPError, match="needs a muP config, got BertConfig"):
        mt.BertForMaskedLM(transformers.BertConfig(hidden_size=32, num_attention_heads=4))


def test_mup_set_base_shapes_with_a_mismatched_file_still_fails(bsh_file):
    target = mt.BertForMaskedLM(bert_config(hidden_size=64, num_hidden_layers=3))
    with pytest.raises(AssertionError, match="extra names"):
        mup.set_base_shapes(target, bsh_file)


def test_our_set_base_shapes_names_the_mismatch_and_the_fix(bsh_file):
    target = mt.BertForMaskedLM(bert_config(hidden_size=64, num_hidden_layers=3))
    with pytest.raises(mt.MuPError, match=r"another depth.*Regenerate"):
        mt.set_base_shapes(target, bsh_file)
    good = mt.BertForMaskedLM(bert_config(hidden_size=64))
    mt.set_base_shapes(good, bsh_file)
    assert good.bert.encoder.layer[0].attention.self.query.weight.infshape.width_mult() == 2


def test_make_base_shapes_from_a_config_round_trips_through_a_bsh_file(tmp_path):
    config = bert_config(hidden_size=64, mup_base={"hidden_size": 32, "intermediate_size": 32})
    model = mt.BertForMaskedLM(config)
    path = str(tmp_path / "b.bsh")
    shapes = mt.make_base_shapes(model, savefile=path)
    assert "cls.predictions.decoder.weight" not in shapes  # tied: listed once, like mup does
    rebuilt = mt.BertForMaskedLM(bert_config(hidden_size=128, intermediate_size=256, mup_base_shapes=path,
                                             attn_mult=1.0))
    assert rebuilt.bert.encoder.layer[0].intermediate.dense.weight.infshape.width_mult() == 4


def test_conv1d_infshape_fixed_after_set_base_shapes():
    from mutransformers.core.shapes import Conv1DInfShape

    def make(width, inner):
        return mt.GPT2LMHeadModel(mt.GPT2Config(n_embd=width, n_inner=inner, n_head=4, n_layer=1, vocab_size=50))
    target = make(64, 512)
    mt.set_base_shapes(target, mup.make_base_shapes(make(32, 128), make(48, 160)))
    c_fc = target.transformer.h[0].mlp.c_fc.weight
    assert isinstance(c_fc.infshape, Conv1DInfShape) and c_fc.infshape.width_mult() == 2


def test_base_dims_the_architecture_rejects_are_a_mup_error():
    # an odd base head_dim: upstream's RoPE check must run on the base config too
    with pytest.raises(mt.MuPError, match=r"mup_base=.*describes a base model.*even rotary dimension"):
        mt.LlamaConfig(hidden_size=16, intermediate_size=32, num_attention_heads=2, num_key_value_heads=2,
                       head_dim=8, mup_base={"hidden_size": 16, "intermediate_size": 32, "head_dim": 5})


def test_rotary_buffers_follow_the_model_not_the_base():
    # found by tests/test_properties.py: with head_dim in mup_base, RoPE was computed at the base dims
    fields = dict(hidden_size=16, intermediate_size=32, num_attention_heads=2, num_key_value_heads=2, head_dim=8,
                  vocab_size=40)
    model = mt.LlamaForCausalLM(mt.LlamaConfig(**fields, mup_base={"hidden_size": 16, "head_dim": 4}))
    plain = transformers.LlamaForCausalLM(transformers.LlamaConfig(**fields))
    assert model.model.rotary_emb.inv_freq.shape == (4,)
    assert (model.model.rotary_emb.inv_freq == plain.model.rotary_emb.inv_freq).all()


# -- files a user or a checkpoint hands us ------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("{{: :", r"not YAML"),
    ("- a\n- b\n", r"holds list, not a mapping"),
    ("bert.embeddings.word_embeddings.weight: [50, 'wide']\n", r"entry 'bert.embeddings.*not a list of base dims"),
    ("", r"holds NoneType"),
])
def test_a_bsh_file_that_is_not_base_shapes_is_named(tmp_path, text, message):
    path = tmp_path / "bad.bsh"
    path.write_text(text)
    model = mt.BertForMaskedLM(bert_config(hidden_size=64))
    for call in (lambda: mt.set_base_shapes(model, str(path)),
                 lambda: bert_config(hidden_size=64, mup_base_shapes=str(path))):
        with pytest.raises(mt.MuPError, match=message) as err:
            call()
        assert "make_base_shapes" in str(err.value)  # the fix
    with pytest.raises(mt.MuPError, match=r"Cannot read the base-shapes file"):
        bert_config(mup_base_shapes=str(tmp_path / "missing.bsh"))


def _checkpoint_naming(tmp_path, bsh_file, name):
    """A muP checkpoint whose config.json names its base shapes as a file instead of holding them."""
    import json
    model = mt.BertForMaskedLM(bert_config(hidden_size=64, mup_base_shapes=bsh_file))
    folder = tmp_path / "ckpt"
    model.save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    config["mup_base_shapes"] = name
    (folder / "config.json").write_text(json.dumps(config))
    return model, folder


@pytest.mark.parametrize("name", ["/etc/hostname", "../outside.bsh"])
def test_a_saved_config_reads_base_shapes_only_inside_its_folder(tmp_path, bsh_file, name):
    import shutil
    _, folder = _checkpoint_naming(tmp_path, bsh_file, name)
    shutil.copy(bsh_file, tmp_path / "outside.bsh")  # exists, but outside the checkpoint
    for load in (lambda: transformers.AutoModelForMaskedLM.from_pretrained(folder),
                 lambda: mt.BertForMaskedLM.from_pretrained(folder),
                 lambda: mt.BertConfig.from_pretrained(folder),
                 lambda: mt.BertConfig.from_json_file(folder / "config.json")):
        with pytest.raises(mt.MuPError, match=r"outside the checkpoint folder.*Copy the .bsh file into the folder"):
            load()
    config = transformers.AutoConfig.from_pretrained(folder)  # unread: building from it needs the folder
    with pytest.raises(mt.MuPError, match=r"from_pretrained\(<checkpoint folder>\)"):
        mt.BertForMaskedLM(config)


def test_a_saved_config_reads_a_bsh_file_in_its_folder(tmp_path, bsh_file):
    import shutil
    import torch
    model, folder = _checkpoint_naming(tmp_path, bsh_file, "bert32.bsh")
    shutil.copy(bsh_file, folder / "bert32.bsh")
    loaded = transformers.AutoModelForMaskedLM.from_pretrained(folder)
    x = torch.randint(0, 50, (2, 6))
    assert torch.equal(loaded.eval()(x).logits, model.eval()(x).logits)
    assert loaded.config.mup_base_shapes == mt.BertConfig.from_json_file(folder / "config.json").mup_base_shapes


@pytest.mark.parametrize("change", ["drop", "add"])
def test_a_checkpoint_missing_or_holding_an_extra_tensor_is_refused(tmp_path, change):
    import torch
    from safetensors.torch import load_file, save_file
    model = mt.MuGPT2LMHeadModel(mt.MuGPT2Config(n_embd=32, n_head=4, n_layer=2, vocab_size=50,
                                                 mup_base={"n_embd": 16}))
    model.save_pretrained(tmp_path)
    weights = load_file(tmp_path / "model.safetensors")
    if change == "drop":
        del weights["transformer.h.1.mlp.c_fc.weight"]
    else:
        weights["transformer.h.1.mlp.extra.weight"] = torch.zeros(2)
    save_file(weights, tmp_path / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(mt.MuPError, match=r"saved by MuGPT2LMHeadModel but does not hold its tensors.*"
                                          r"transformer\.h\.1\.mlp\.(c_fc|extra)\.weight"):
        transformers.AutoModelForCausalLM.from_pretrained(tmp_path)


def test_a_pretrained_body_under_a_new_head_still_loads(tmp_path):
    body = mt.MuGPT2Model(mt.MuGPT2Config(n_embd=32, n_head=4, n_layer=2, vocab_size=50, num_labels=3,
                                          pad_token_id=0, mup_base={"n_embd": 16}))
    body.save_pretrained(tmp_path)
    model, info = mt.MuGPT2ForSequenceClassification.from_pretrained(tmp_path, output_loading_info=True)
    assert info["missing_keys"] == {"score.weight"} or list(info["missing_keys"]) == ["score.weight"]
    assert model.score.weight.infshape.width_mult() == 2  # the new head is a muP readout
