"""The verdict: fit log2(size) against log2(width) per module and step; muP keeps every slope ~0.

Under muP every activation is Theta(1) in width (TP V, Definition 5.1 / the coordinate check of
Section 7.2), so its log-log slope is about 0; the readout's output may *shrink* at initialization
(its weights' contribution is divided by width_mult) but must not grow. Standard parametrization
and broken muP variants make some activation grow like width^0.5 or width^1 once training starts.
Sizes fail only by growing: a slope above ``max_slope``.

Changes from initialization (``change_rms``, coordinate check v2) are judged on both sides: under
muP every activation moves by Theta(1) at every width once training starts ("maximal update"), so
after the first step a change that shrinks with width (lazy training: updates that vanish as the
model widens) fails as well as one that grows: |slope| above ``max_change_slope``.

One exception, measured: the attention logits' change is judged on the growing side only. Their
Theta(1) part needs q and k to align, which takes more steps than the check runs (the reason the
1/sqrt(d) control needs ~6 steps to show); until then the change is dominated by q.k terms of
independent vectors, ~sqrt(d_head)/d_head, so it shrinks under muP as under every control
(muP: -0.96 to -0.02 over widths 64-512, ModernBERT +0.13 at its last step; README) and cannot tell them apart.
"""
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

# Calibrated on measurements (see README, "Coordinate check"): muP's largest slope stays well
# below each bound, every negative control's worst slope well beyond it.
MAX_SLOPE = 0.3
MAX_CHANGE_SLOPE = 0.75
CHANGE_GROWTH_ONLY_KINDS = ("attn_logits",)  # see above
_FLOOR = 1e-30  # a zero activation (zero-init readout at step 0) has log-size log2(_FLOOR)


def fit_slopes(rows: list[dict], metric: str = "rms", first_step: int = 0, axis: str = "width") -> list[dict]:
    """One row per (module, step >= first_step): the least-squares slope of log2(metric) against log2(axis)."""
    points = defaultdict(list)
    kinds = {}
    for row in rows:
        value = row.get(metric)
        if row["step"] >= first_step and value is not None and not math.isnan(value):
            points[(row["module"], row["step"])].append((row[axis], value))
            kinds[row["module"]] = row["kind"]
    slopes = []
    for (module, step), values in sorted(points.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        widths, sizes = zip(*sorted(values))
        if len(set(widths)) < 2:
            continue
        x = np.log2(widths)
        y = np.log2(np.maximum(sizes, _FLOOR))
        slope = float(np.polyfit(x, y, 1)[0])
        slopes.append(dict(module=module, kind=kinds[module], step=step, slope=slope))
    return slopes


@dataclass
class CoordCheckResult:
    passed: bool
    max_slope: float
    worst: list = field(default_factory=list)  # size slopes above the bound, steepest first
    slopes: list = field(default_factory=list)
    max_change_slope: float = MAX_CHANGE_SLOPE
    change_worst: list = field(default_factory=list)  # change slopes beyond +-bound, largest |slope| first
    change_slopes: list = field(default_factory=list)
    axis: str = "width"

    def summary(self, n: int = 5) -> str:
        if self.passed:
            top = max(self.slopes, key=lambda s: s["slope"])
            text = (f"PASS: no activation grows with {self.axis} (largest slope {top['slope']:+.2f}, "
                    f"{top['module']} at step {top['step']}; bound {self.max_slope})")
            judged = [s for s in self.change_slopes if s["kind"] not in CHANGE_GROWTH_ONLY_KINDS]
            if judged:
                low, high = min(judged, key=lambda s: s["slope"]), max(self.change_slopes, key=lambda s: s["slope"])
                text += (f"; no change from init scales with {self.axis} beyond {self.axis}^+-{self.max_change_slope} "
                         f"(change slopes {low['slope']:+.2f} to {high['slope']:+.2f})")
            return text
        lines = []
        if self.worst:
            lines.append(f"FAIL: {len(self.worst)} (module, step) pairs grow with {self.axis} faster than "
                         f"{self.axis}^{self.max_slope}:")
            lines += [f"  {s['module']:<45} step {s['step']}  slope {s['slope']:+.2f}" for s in self.worst[:n]]
        if self.change_worst:
            lines.append(f"FAIL: {len(self.change_worst)} (module, step) changes from initialization scale with "
                         f"{self.axis} beyond {self.axis}^+-{self.max_change_slope} (below: updates vanish with "
                         f"{self.axis}):")
            lines += [f"  {s['module']:<45} step {s['step']}  change slope {s['slope']:+.2f}"
                      for s in self.change_worst[:n]]
        return "\n".join(lines)


def check(rows: list[dict], max_slope: float = MAX_SLOPE, metric: str = "rms",
          max_change_slope: float | None = MAX_CHANGE_SLOPE, axis: str = "width") -> CoordCheckResult:
    """Pass when no module's size grows faster than width**max_slope at any step and, from step 1 on,
    no module's change from initialization scales faster than width**(+-max_change_slope).

    ``max_change_slope=None`` (or rows without ``change_rms``) judges sizes only, as v1 did."""
    slopes = fit_slopes(rows, metric, axis=axis)
    worst = sorted((s for s in slopes if s["slope"] > max_slope), key=lambda s: -s["slope"])
    change_slopes = [] if max_change_slope is None else fit_slopes(rows, "change_rms", first_step=1, axis=axis)
    change_worst = sorted((s for s in change_slopes if s["slope"] > max_change_slope or (
        s["slope"] < -max_change_slope and s["kind"] not in CHANGE_GROWTH_ONLY_KINDS)), key=lambda s: -abs(s["slope"]))
    return CoordCheckResult(passed=not worst and not change_worst, max_slope=max_slope, worst=worst, slopes=slopes,
                            max_change_slope=max_change_slope if max_change_slope is not None else math.nan,
                            change_worst=change_worst, change_slopes=change_slopes, axis=axis)
