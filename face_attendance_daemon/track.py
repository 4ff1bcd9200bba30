"""Following faces from frame to frame, so that decisions are made per person in view, not per frame."""

import itertools
from collections import deque
from dataclasses import dataclass, field


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    x1, y1 = max(ax, bx), max(ay, by)
    x2, y2 = min(ax + aw, bx + bw), min(ay + ah, by + bh)
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


def centre_distance(a, b):
    """Distance between box centres, in units of the larger box's size."""
    dx = (a[0] + a[2] / 2) - (b[0] + b[2] / 2)
    dy = (a[1] + a[3] / 2) - (b[1] + b[3] / 2)
    return (dx * dx + dy * dy) ** 0.5 / max(a[2], a[3], b[2], b[3], 1)


@dataclass
class Observation:
    person_key: object  # None: no enrolled person under the threshold
    distance: float
    confidence: float
    at: float
    frame_index: int
    box: tuple
    # The frame, kept only while liveness may still be asked of it (see CameraPipeline): scoring
    # waits for a decision, so that only the frames an event rests on are ever scored.
    image: object = field(default=None, repr=False, compare=False)
    # What learning needs of the face (decide.face_fields): its vector only when it matched a
    # person, since a stranger's face is not sent anywhere.
    vector: object = field(default=None, repr=False, compare=False)
    face_size: int = None
    sharpness: float = None
    frontal: float = None


@dataclass
class Track:
    track_id: str
    box: tuple
    last_seen: float
    history: deque = field(default_factory=lambda: deque(maxlen=64))
    decided: set = field(default_factory=set)  # person keys (or None for unknown) already reported
    best_crop: object = None
    best_confidence: float = -1.0


class Tracker:
    """Greedy matching of detections to live tracks by overlap, falling back to centre distance
    (fast-moving faces overlap little between analysed frames)."""

    def __init__(self, prefix, max_age=1.5, min_iou=0.2, max_centre_distance=1.0, history=64):
        self.prefix = prefix
        self.max_age = max_age
        self.min_iou = min_iou
        self.max_centre_distance = max_centre_distance
        self.history = history
        self.tracks = []
        self._ids = itertools.count(1)

    def update(self, boxes, now):
        """Assign each box a track (new or continued); returns the tracks, in the order of ``boxes``."""
        self.tracks = [t for t in self.tracks if now - t.last_seen <= self.max_age]
        pairs = []
        for b_index, box in enumerate(boxes):
            for t_index, track in enumerate(self.tracks):
                overlap = iou(box, track.box)
                distance = centre_distance(box, track.box)
                if overlap >= self.min_iou or distance <= self.max_centre_distance:
                    pairs.append((-overlap, distance, b_index, t_index))
        pairs.sort()
        assigned, used = {}, set()
        for _neg_iou, _distance, b_index, t_index in pairs:
            if b_index in assigned or t_index in used:
                continue
            assigned[b_index] = self.tracks[t_index]
            used.add(t_index)
        result = []
        for b_index, box in enumerate(boxes):
            track = assigned.get(b_index)
            if track is None:
                track = Track("%s-%d" % (self.prefix, next(self._ids)), box, now, history=deque(maxlen=self.history))
                self.tracks.append(track)
            track.box, track.last_seen = box, now
            result.append(track)
        return result
