"""Which sightings may become learned templates of a person, and which learned templates to keep.

Pure rules shared by the addon (which decides), the daemon (which sends the figures) and the
benchmarks (which simulate weeks of sightings): a learned template widens what a person's centroid
accepts, so only sightings that were certainly that person, and good pictures of them, may teach.
"""

from dataclasses import dataclass

import numpy as np

LIVENESS_OK = (None, "live")


@dataclass
class LearnPolicy:
    # A sighting teaches only when its distance is at most this fraction of the match threshold:
    # one just under the threshold may be a near miss of someone else.
    max_distance_ratio: float = 0.6
    min_face_size: int = 80  # px of the face box's shorter side
    min_sharpness: float = 40.0  # quality.sharpness (variance of the Laplacian on a 112 px face)
    min_frontal: float = 0.5  # quality.frontal_score
    min_frames: int = 3  # frames of the track that agreed on the person
    cap: int = 5  # learned templates kept per person


def learn_refusal(policy, threshold, distance, face_size, sharpness, frontal, frames, liveness):
    """None when a sighting may become a learned template, else the first rule it fails, in this order:

    - "distance": distance unknown, or above ``policy.max_distance_ratio * threshold``;
    - "face_size": face smaller than ``min_face_size``;
    - "sharpness": sharpness below ``min_sharpness``;
    - "frontal": frontal score below ``min_frontal``;
    - "frames": fewer than ``min_frames`` frames agreed;
    - "liveness": liveness was checked and did not say "live" ("spoof", "unavailable", anything
      else); None (not checked, e.g. liveness is off) passes.

    A figure the sender did not give (None) fails its rule, as an unknown quality is not a good one,
    unless that rule is switched off by a minimum of 0 (e.g. ``min_frontal=0`` with the dlib encoder,
    which gives no landmarks to compute a frontal score from).
    """
    if distance is None or threshold is None or float(distance) > policy.max_distance_ratio * float(threshold):
        return "distance"
    checks = (
        ("face_size", face_size, policy.min_face_size),
        ("sharpness", sharpness, policy.min_sharpness),
        ("frontal", frontal, policy.min_frontal),
        ("frames", frames, policy.min_frames),
    )
    for reason, value, minimum in checks:
        if minimum is None or minimum <= 0:
            continue
        if value is None or float(value) < float(minimum):
            return reason
    if liveness not in LIVENESS_OK:
        return "liveness"
    return None


def pick_diverse(encoder, enrolled, learned, candidates, cap):
    """The keys of the learned templates and candidates to keep, at most ``cap``, in the order picked.

    ``enrolled``: the person's enrolled vectors (always kept, not returned); ``learned`` and
    ``candidates``: (key, vector) pairs. Greedy farthest-point: each pick is the vector whose distance
    to its nearest already-kept vector (enrolled or picked) is the largest, so that near-copies of what
    is there are dropped first and the kept ones cover the most poses and lightings. Ties go to an
    already learned template over a candidate, then to the earlier in the lists; with nothing enrolled
    the first pick is the first learned template (else the first candidate).
    """
    pool = [(key, vector, 0) for key, vector in learned] + [(key, vector, 1) for key, vector in candidates]
    if cap is None or cap <= 0 or not pool:
        return []
    vectors = np.stack([np.asarray(v, dtype=np.float32) for _k, v, _c in pool])
    nearest = np.full(len(pool), np.inf)
    if len(enrolled):
        kept = np.stack([np.asarray(v, dtype=np.float32) for v in enrolled])
        nearest = np.asarray(encoder.distance_matrix(vectors, kept), dtype=np.float64).min(axis=1)
    free = np.ones(len(pool), dtype=bool)
    picked = []
    for _ in range(min(cap, len(pool))):
        # Sort key: farthest first, then learned before candidate, then list order.
        order = sorted(np.flatnonzero(free), key=lambda i: (-nearest[i], pool[i][2], i))
        choice = order[0]
        picked.append(pool[choice][0])
        free[choice] = False
        step = np.asarray(encoder.distances(vectors[choice], vectors), dtype=np.float64)
        nearest = np.minimum(nearest, step)
    return picked
