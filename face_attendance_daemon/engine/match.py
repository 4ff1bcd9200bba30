"""Matching query vectors against the gallery of enrolled templates, vectorised."""

from dataclasses import dataclass

import numpy as np


@dataclass
class MatchResult:
    person_key: object  # whatever identifies the person to the caller (employee id, reference)
    template_key: object
    distance: float
    confidence: float

    @property
    def matched(self):
        return self.person_key is not None


class Gallery:
    """Templates of one encoder in one contiguous float32 matrix."""

    def __init__(self, encoder):
        self.encoder = encoder
        self._keys = []  # (template_key, person_key) per row
        self._index = {}  # template_key -> row
        self._matrix = np.zeros((0, encoder.dimension), dtype=np.float32)

    def __len__(self):
        return len(self._keys)

    def person_keys(self):
        return {person for _template, person in self._keys}

    def replace(self, entries):
        """Set the whole gallery from (template_key, person_key, vector) triples."""
        entries = list(entries)
        self._keys = [(t, p) for t, p, _v in entries]
        self._index = {t: i for i, (t, _p) in enumerate(self._keys)}
        if entries:
            self._matrix = np.ascontiguousarray(np.stack([np.asarray(v, dtype=np.float32) for _t, _p, v in entries]))
        else:
            self._matrix = np.zeros((0, self.encoder.dimension), dtype=np.float32)

    def upsert(self, template_key, person_key, vector):
        vector = np.asarray(vector, dtype=np.float32)
        row = self._index.get(template_key)
        if row is not None:
            self._matrix[row] = vector
            self._keys[row] = (template_key, person_key)
            return
        self._index[template_key] = len(self._keys)
        self._keys.append((template_key, person_key))
        self._matrix = np.vstack([self._matrix, vector[None, :]])

    def remove(self, template_keys):
        drop = {k for k in template_keys if k in self._index}
        if not drop:
            return
        keep = [i for i, (t, _p) in enumerate(self._keys) if t not in drop]
        self._keys = [self._keys[i] for i in keep]
        self._matrix = np.ascontiguousarray(self._matrix[keep])
        self._index = {t: i for i, (t, _p) in enumerate(self._keys)}

    def match(self, vector, threshold=None):
        """Closest template to ``vector``; person_key None when nothing is under the threshold."""
        return self.match_many(np.asarray(vector, dtype=np.float32)[None, :], threshold)[0]

    def match_many(self, vectors, threshold=None):
        threshold = self.encoder.default_threshold if threshold is None else threshold
        vectors = np.asarray(vectors, dtype=np.float32)
        if not len(self._keys):
            return [MatchResult(None, None, float("inf"), 0.0) for _ in range(len(vectors))]
        # One matrix product or broadcast per batch: the gallery is scanned once for all queries.
        distances = self.encoder.distance_matrix(vectors, self._matrix)
        best = np.argmin(distances, axis=1)
        results = []
        for row, column in enumerate(best):
            distance = float(distances[row, column])
            template_key, person_key = self._keys[column]
            if distance > threshold:
                template_key = person_key = None
            results.append(MatchResult(person_key, template_key, distance, self.encoder.confidence(distance)))
        return results
