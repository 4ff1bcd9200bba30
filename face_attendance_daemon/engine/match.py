"""Matching query vectors against the gallery of enrolled templates, vectorised.

A face is matched against each person's CENTROID (``Encoder.centroid`` of their templates), not
against the single nearest template: on the shared photos the misses were the right person just
over the threshold (pose, age, a cap), and the centroid, which averages those away, brought a third
of them under it without taking any stranger. It is also cheaper: one row per person, not per photo.

Two corrections taught by HR can refuse a match the distance alone would make:

- negatives ("this face was NOT X"): a face closer to one of X's negatives than to X's centroid is
  not X; the next-nearest person is considered instead, under the same threshold;
- look-alikes: a person flagged as looking like someone else is taken only when their centroid is
  nearer than every other person's by at least a margin.
"""

from dataclasses import dataclass

import numpy as np

REFUSED_NEGATIVE = "negative"
REFUSED_LOOKALIKE = "lookalike"


@dataclass
class MatchResult:
    person_key: object  # whatever identifies the person to the caller (employee id, reference)
    template_key: object  # the person's nearest template
    distance: float  # to the person's centroid
    confidence: float
    # None, or why the nearest person under the threshold was not taken: "negative" or "lookalike".
    refusal: object = None

    @property
    def matched(self):
        return self.person_key is not None


class Gallery:
    """Templates of one encoder in one contiguous float32 matrix, and their persons' centroids in another.

    ``replace``/``upsert``/``remove`` recompute the centroids of the persons they touch only.
    """

    def __init__(self, encoder):
        self.encoder = encoder
        self._keys = []  # (template_key, person_key) per row
        self._index = {}  # template_key -> row
        self._matrix = self._empty()
        self._owner = np.zeros(0, dtype=np.intp)  # centroid row of each template row
        self._groups = None  # (template rows sorted by owner, where each owner's run starts), lazily
        self._persons = []  # person_key per centroid row
        self._person_index = {}  # person_key -> centroid row
        self._centroids = self._empty()
        self._negative_keys = []
        self._negative_persons = []  # person_key per negative row
        self._negatives = self._empty()
        self._negative_columns = None  # centroid row per negative (-1: person not in the gallery), lazily
        self._lookalikes = frozenset()
        self._lookalike_margin = 0.0

    def _empty(self):
        return np.zeros((0, self.encoder.dimension), dtype=np.float32)

    def __len__(self):
        return len(self._keys)

    def person_keys(self):
        return set(self._persons)

    def centroids(self):
        """(person_keys, (n, dimension) float32 matrix of their centroids), in the same order."""
        return list(self._persons), self._centroids.copy()

    # -- positives ---------------------------------------------------------------------------------

    def replace(self, entries):
        """Set the whole gallery from (template_key, person_key, vector) triples."""
        entries = list(entries)
        self._keys = [(t, p) for t, p, _v in entries]
        self._index = {t: i for i, (t, _p) in enumerate(self._keys)}
        if entries:
            self._matrix = np.ascontiguousarray(np.stack([np.asarray(v, dtype=np.float32) for _t, _p, v in entries]))
        else:
            self._matrix = self._empty()
        self._persons = list(dict.fromkeys(p for _t, p in self._keys))
        self._person_index = {p: i for i, p in enumerate(self._persons)}
        self._owner = np.fromiter((self._person_index[p] for _t, p in self._keys), dtype=np.intp, count=len(entries))
        self._groups = None
        self._negative_columns = None
        # Built in one pass, not person by person: a gallery of 100k persons is rebuilt at each sync.
        if not entries:
            self._centroids = self._empty()
            return
        order, starts = self._grouping()
        self._centroids = np.ascontiguousarray(self.encoder.centroids(self._matrix[order], starts), dtype=np.float32)

    def upsert(self, template_key, person_key, vector):
        vector = np.asarray(vector, dtype=np.float32)
        row = self._index.get(template_key)
        if row is not None:
            previous = self._keys[row][1]
            self._matrix[row] = vector
            self._keys[row] = (template_key, person_key)
            if previous != person_key:
                self._owner[row] = self._column(person_key)
                self._groups = None
            self._refresh_centroids([previous, person_key])
            return
        self._index[template_key] = len(self._keys)
        self._keys.append((template_key, person_key))
        self._matrix = np.vstack([self._matrix, vector[None, :]])
        self._owner = np.append(self._owner, self._column(person_key))
        self._groups = None
        self._refresh_centroids([person_key])

    def remove(self, template_keys):
        drop = {k for k in template_keys if k in self._index}
        if not drop:
            return
        touched = list(dict.fromkeys(self._keys[self._index[k]][1] for k in drop))
        keep = [i for i, (t, _p) in enumerate(self._keys) if t not in drop]
        self._keys = [self._keys[i] for i in keep]
        self._matrix = np.ascontiguousarray(self._matrix[keep]) if keep else self._empty()
        self._owner = self._owner[keep]
        self._index = {t: i for i, (t, _p) in enumerate(self._keys)}
        self._groups = None
        self._refresh_centroids(touched)

    def _column(self, person):
        """The centroid row of ``person``, added (to be computed by _refresh_centroids) when new."""
        column = self._person_index.get(person)
        if column is None:
            column = self._person_index[person] = len(self._persons)
            self._persons.append(person)
            self._centroids = np.vstack([self._centroids, np.zeros((1, self.encoder.dimension), dtype=np.float32)])
            self._negative_columns = None
        return column

    def _grouping(self):
        if self._groups is None:
            order = np.argsort(self._owner, kind="stable")
            starts = np.searchsorted(self._owner[order], np.arange(len(self._persons) + 1))
            self._groups = (order, starts)
        return self._groups

    def _rows_of(self, column):
        order, starts = self._grouping()
        return order[starts[column] : starts[column + 1]]

    def _refresh_centroids(self, persons):
        """Recompute the centroids of ``persons``; those left without templates leave the gallery."""
        gone = []
        for person in dict.fromkeys(persons):
            column = self._person_index[person]
            rows = self._rows_of(column)
            if len(rows):
                self._centroids[column] = self.encoder.centroid(self._matrix[rows])
            else:
                gone.append(column)
        if gone:
            keep = np.setdiff1d(np.arange(len(self._persons)), gone)
            renumber = np.full(len(self._persons), -1, dtype=np.intp)
            renumber[keep] = np.arange(len(keep))
            self._owner = renumber[self._owner]
            self._persons = [self._persons[i] for i in keep]
            self._person_index = {p: i for i, p in enumerate(self._persons)}
            self._centroids = np.ascontiguousarray(self._centroids[keep]) if len(keep) else self._empty()
            self._groups = None
            self._negative_columns = None

    # -- corrections -------------------------------------------------------------------------------

    def replace_negatives(self, entries):
        """Set all negatives from (negative_key, person_key, vector) triples: "this face was NOT person_key"."""
        entries = list(entries)
        self._negative_keys = [k for k, _p, _v in entries]
        self._negative_persons = [p for _k, p, _v in entries]
        if entries:
            # As long as the encoder's own vectors: a longer one would veto faces far from it.
            rows = self.encoder.normalised(np.stack([np.asarray(v, dtype=np.float32) for _k, _p, v in entries]))
            self._negatives = np.ascontiguousarray(rows, dtype=np.float32)
        else:
            self._negatives = self._empty()
        self._negative_columns = None

    def set_lookalikes(self, person_keys, margin):
        """Persons who are taken only when ``distance + margin <= distance to the nearest other person's centroid``."""
        self._lookalikes = frozenset(person_keys or ())
        self._lookalike_margin = float(margin or 0.0)

    def _negative_person_columns(self):
        if self._negative_columns is None:
            self._negative_columns = np.asarray(
                [self._person_index.get(p, -1) for p in self._negative_persons], dtype=np.intp
            )
        return self._negative_columns

    # -- matching ----------------------------------------------------------------------------------

    def match(self, vector, threshold=None):
        """The person whose centroid is closest to ``vector``; person_key None when nothing is under the threshold."""
        return self.match_many(np.asarray(vector, dtype=np.float32)[None, :], threshold)[0]

    def match_many(self, vectors, threshold=None):
        threshold = self.encoder.default_threshold if threshold is None else threshold
        vectors = np.asarray(vectors, dtype=np.float32)
        if not self._persons:
            return [MatchResult(None, None, float("inf"), 0.0) for _ in range(len(vectors))]
        # One matrix product per batch against the centroids (and one against the negatives).
        distances = np.asarray(self.encoder.distance_matrix(vectors, self._centroids), dtype=np.float32)
        vetoed = self._vetoes(vectors, distances)
        nearest = np.argmin(distances, axis=1)
        if vetoed is not None:
            allowed = np.where(vetoed, np.inf, distances)
            best = np.argmin(allowed, axis=1)
        else:
            best = nearest
        results = []
        for row in range(len(vectors)):
            column = int(best[row])
            distance = float(distances[row, column])
            refusal = None
            if vetoed is not None and vetoed[row, column]:
                distance = float("inf")  # every person is vetoed
            if distance > threshold:
                first = int(nearest[row])
                distance = float(distances[row, first])
                if vetoed is not None and vetoed[row, first] and distance <= threshold:
                    refusal = REFUSED_NEGATIVE
                results.append(MatchResult(None, None, distance, self.encoder.confidence(distance), refusal))
                continue
            person = self._persons[column]
            if person in self._lookalikes and len(self._persons) > 1:
                others = np.delete(distances[row], column)
                if distance + self._lookalike_margin > float(others.min()):
                    results.append(
                        MatchResult(None, None, distance, self.encoder.confidence(distance), REFUSED_LOOKALIKE)
                    )
                    continue
            results.append(
                MatchResult(
                    person, self._nearest_template(vectors[row], column), distance, self.encoder.confidence(distance)
                )
            )
        return results

    def _vetoes(self, vectors, distances):
        """(queries, persons) booleans: the query is closer to one of that person's negatives than to their centroid."""
        if not self._negative_keys:
            return None
        columns = self._negative_person_columns()
        present = columns >= 0
        if not present.any():
            return None
        negative_distances = np.asarray(
            self.encoder.distance_matrix(vectors, self._negatives[present]), dtype=np.float32
        )
        closest = np.full(distances.shape, np.inf, dtype=np.float32)
        np.minimum.at(closest.T, columns[present], negative_distances.T)
        return closest < distances

    def _nearest_template(self, vector, column):
        rows = self._rows_of(column)
        if len(rows) == 1:
            return self._keys[int(rows[0])][0]
        distances = self.encoder.distances(vector, self._matrix[rows])
        return self._keys[int(rows[int(np.argmin(distances))])][0]
