"""The verdict: fit log2(size) against log2(width) per module and step; muP keeps every slope ~0.

Under muP every activation is Θ(1) in width (TP V, Definition 5.1 / the coordinate check of
Section 7.2), so its log-log slope is about 0; the readout's output may *shrink* at initialization
(its weights' contribution is divided by width_mult) but must not grow. Standard parametrization
and broken muP variants make some activation grow like width^0.5 or width^1 once training starts.
Only growth fails the check: a slope above ``max_slope``.
"""
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

# Calibrated on measurements (see README, "Coordinate check"): muP's largest slope stays well
# below it, every negative control's largest slope well above it.
MAX_SLOPE = 0.3
_FLOOR = 1e-30  # a zero activation (zero-init readout at step 0) has log-size log2(_FLOOR)


def fit_slopes(rows: list[dict], metric: str = "rms") -> list[dict]:
    """One row per (module, step): the least-squares slope of log2(metric) against log2(width)."""
    points = defaultdict(list)
    kinds = {}
    for row in rows:
        points[(row["module"], row["step"])].append((row["width"], row[metric]))
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
    worst: list = field(default_factory=list)  # slope rows above the bound, steepest first
    slopes: list = field(default_factory=list)

    def summary(self, n: int = 5) -> str:
        if self.passed:
            top = max(self.slopes, key=lambda s: s["slope"])
            return (f"PASS: no activation grows with width (largest slope {top['slope']:+.2f}, "
                    f"{top['module']} at step {top['step']}; bound {self.max_slope})")
        lines = [f"FAIL: {len(self.worst)} (module, step) pairs grow with width faster than width^{self.max_slope}:"]
        lines += [f"  {s['module']:<45} step {s['step']}  slope {s['slope']:+.2f}" for s in self.worst[:n]]
        return "\n".join(lines)


def check(rows: list[dict], max_slope: float = MAX_SLOPE, metric: str = "rms") -> CoordCheckResult:
    """Pass when no module's size grows with width faster than width**max_slope at any step."""
    slopes = fit_slopes(rows, metric)
    worst = sorted((s for s in slopes if s["slope"] > max_slope), key=lambda s: -s["slope"])
    return CoordCheckResult(passed=not worst, max_slope=max_slope, worst=worst, slopes=slopes)
