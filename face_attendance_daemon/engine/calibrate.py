"""A site's own error rates, estimated from its decided sightings.

``genuine`` distances are of faces known to be the person they were compared with (accepted
sightings that stood), ``impostor`` distances of faces known not to be (sightings HR corrected,
unknown faces against their nearest person). A face is taken when its distance is at most the
threshold, as in match.py.
"""

import math

import numpy as np

THRESHOLD_STEP = 1e-4  # thresholds proposed to people are multiples of this


def _finite(values):
    array = np.asarray([v for v in (() if values is None else values) if v is not None], dtype=np.float64)
    return array[np.isfinite(array)]


def threshold_for_far(impostor, target_far):
    """The largest threshold (a multiple of 1e-4) whose false-accept rate on ``impostor`` is at most ``target_far``.

    With n impostor distances sorted ascending, k = floor(target_far * n) of them may be accepted:
    the threshold must stay below the (k+1)-th, so it is the largest multiple of 1e-4 under it. None
    without impostors; the largest impostor distance when the target allows all of them.
    """
    impostor = np.sort(_finite(impostor))
    if not len(impostor):
        return None
    allowed = int(math.floor(float(target_far) * len(impostor) + 1e-9))
    if allowed >= len(impostor):
        return float(impostor[-1])
    limit = float(impostor[allowed])
    threshold = math.ceil(round(limit / THRESHOLD_STEP, 6)) * THRESHOLD_STEP - THRESHOLD_STEP
    return round(threshold, 4)


def calibrate(genuine, impostor, threshold, target_far, bins=40, top=None):
    """Error rates at ``threshold`` and the threshold a target false-accept rate needs.

    Returns a dict:
    - genuine_count, impostor_count (finite distances only; None values are ignored);
    - far: impostors with distance <= threshold / impostor_count (None without impostors);
    - frr: genuine with distance > threshold / genuine_count (None without genuine);
    - threshold_for_target: see ``threshold_for_far`` (None without impostors);
    - histogram: {edges: bins + 1 floats from 0 to ``top`` (default: the largest distance or the
      threshold, whichever is larger), genuine: counts, impostor: counts}; distances beyond ``top``
      count in the last bin;
    - threshold and target_far, as given.
    """
    genuine = _finite(genuine)
    impostor = _finite(impostor)
    threshold = float(threshold)
    bins = max(1, int(bins))
    if top is None:
        top = max([threshold] + [float(a.max()) for a in (genuine, impostor) if len(a)])
    top = float(top) if top and top > 0 else 1.0
    edges = np.linspace(0.0, top, bins + 1)

    def counts(values):
        return np.histogram(np.clip(values, 0.0, top), bins=edges)[0].astype(int).tolist()

    return {
        "genuine_count": int(len(genuine)),
        "impostor_count": int(len(impostor)),
        "far": float(np.mean(impostor <= threshold)) if len(impostor) else None,
        "frr": float(np.mean(genuine > threshold)) if len(genuine) else None,
        "threshold_for_target": threshold_for_far(impostor, target_far),
        "threshold": threshold,
        "target_far": float(target_far),
        "histogram": {
            "edges": [round(float(e), 6) for e in edges],
            "genuine": counts(genuine),
            "impostor": counts(impostor),
        },
    }
