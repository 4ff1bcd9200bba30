"""Voting over a track's frames: one good frame is not enough to say who somebody is."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Verdict:
    person_key: object  # None: an unknown face
    first_seen: float  # the sighting time: the earliest agreeing frame
    distance: float
    confidence: float
    votes: int
    window: int
    agreeing: list = field(default_factory=list, repr=False)  # the observations the verdict rests on


class Voter:
    """A person is recognised when ``need`` of the last ``window`` frames of a track agree on them;
    a face is unknown when ``need`` of them match nobody. Each verdict is given once per track."""

    def __init__(self, window=5, need=3):
        self.window, self.need = window, need

    def observe(self, track, observation):
        track.history.append(observation)
        recent = list(track.history)[-self.window :]
        counts = Counter(o.person_key for o in recent)
        for person_key, votes in counts.most_common():
            if votes < self.need:
                break
            if person_key in track.decided:
                continue
            # A track reports one person at most: once recognised it is no longer "unknown" and
            # a second, different name would mean the tracker mixed two people up.
            if person_key is None and any(k is not None for k in track.decided):
                continue
            if person_key is not None and any(k is not None for k in track.decided):
                continue
            track.decided.add(person_key)
            agreeing = [o for o in recent if o.person_key == person_key]
            return Verdict(
                person_key,
                min(o.at for o in agreeing),
                min(o.distance for o in agreeing),
                sum(o.confidence for o in agreeing) / len(agreeing),
                votes,
                len(recent),
                agreeing,
            )
        return None
