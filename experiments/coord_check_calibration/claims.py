"""What the coordinate-check and depth-transfer guides say of the calibration (results.json across width,
depth.json across depth): numbers and verdicts. Its tables are rendered by coord_check_calibration.markdown."""
import importlib.util
import json

from mutransformers import coord_check as cc


def _script(e):
    spec = importlib.util.spec_from_file_location("calibration", e.folder / "coord_check_calibration.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _record(e, name: str) -> dict:
    return json.loads((e.folder / name).read_text())


def numbers(e) -> dict:
    table, names = _record(e, "results.json")["table"], _script(e).ARCH_NAMES
    missed = [names[a] for a in names if table[a]["mup_attn_sqrt_d"]["passed"]]
    return {"sqrt_d_missed": f"{len(missed)} of {len(table)} architectures ({', '.join(missed)})"}


def verdicts(e) -> dict:
    width, depth = _record(e, "results.json"), _record(e, "depth.json")
    table = width["table"]
    lazy_ok = all(
        (by["global_lr"]["fails_on"] == ["size", "change"] and by["global_lr"]["size_max"]["module"].endswith(
            "encoder_attn")) if arch == "bart" else
        (by["global_lr"]["fails_on"] == ["change"] and by["global_lr"]["change_min"]["slope"] < -0.95
         and by["global_lr"]["change_min"]["kind"] == ("mlp" if arch == "olmo2" else "embedding"))
        for arch, by in table.items())
    return {
        "measured with the bounds the check uses, for every architecture, at widths 64-512":
            width["max_slope"] == cc.MAX_SLOPE and width["max_change_slope"] == cc.MAX_CHANGE_SLOPE
            and set(table) == set(cc.ARCHS) and width["widths"] == [64, 128, 256, 512],
        "muP passes everywhere, inside both bounds": all(
            by["mup"]["passed"] and by["mup"]["size_max"]["slope"] < cc.MAX_SLOPE
            and -cc.MAX_CHANGE_SLOPE < by["mup"]["change_min"]["slope"]
            and by["mup"]["change_max"]["slope"] < cc.MAX_CHANGE_SLOPE for by in table.values()),
        "SP and a linear readout fail on size everywhere": all(
            "size" in by[v]["fails_on"] and by[v]["size_max"]["slope"] > cc.MAX_SLOPE
            for by in table.values() for v in ("sp", "mup_linear_readout")),
        "a global LR fails on vanishing change everywhere (BART on its cross-attention size too)": lazy_ok,
        "across depth 4-32, CompleteP passes and muP without a base depth drifts (GPT-2, Llama, T5)":
            depth["axis"] == "depth" and depth["depths"] == [4, 8, 16, 32] and all(
                depth["table"][a]["completep"]["passed"] and not depth["table"][a]["mup"]["passed"]
                and depth["table"][a]["mup"]["size_max"]["slope"] > 0.8
                and depth["table"][a]["completep"]["size_max"]["slope"] < depth["max_slope"]
                for a in ("gpt2", "llama", "t5")),
    }
