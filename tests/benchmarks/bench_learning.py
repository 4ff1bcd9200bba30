"""Centroid matching, learning from sightings and HR's corrections (issue 25), on the shared photos.

Photos 1-3 of each known person enrolled, sface. Today's rule (the baseline, measured in the same
run) is the single nearest template under 0.50; the new rule is the nearest person's centroid under
the encoder's default threshold, with negatives and look-alikes.

a. Identification: photos 4-6 of each person (probes) and every stranger, both rules.
b. A week of sightings, leave-one-out: each person has three photos besides the enrolled ones; for
   each of them in turn (a fold) it is kept as the final probe and the other two arrive as sightings
   over 5 days (day 1 the first, day 2 the second, days 3-4 their mirror images, day 5 the first
   one again, closer: 1.25x): 2 photos seen 5 times, the most these photos allow. Each track is
   taken as 3 agreeing frames (the daemon's vote) without liveness. A sighting recognised as its
   person is learned when engine.learn.learn_refusal (default LearnPolicy) accepts it, the day's
   candidates joining the person's learned templates overnight (the settling period) through
   pick_diverse (cap 5); a sighting recognised as somebody else is corrected by HR (a negative of
   that person). Then each fold's probes and every stranger again; figures summed over the 3 folds.
c. Poisoning: 100 strangers and 60 other people's photos confirmed by hand as somebody (the rules
   bypassed, as HR's hand would) are learned; then corrected (learned templates removed, each face a
   negative of the person it was given to); then every probe and stranger again.
d. Matching cost at 100k templates (20k persons x 5, random unit vectors): today's nearest template
   against the centroid Gallery, median microseconds per query, batches of 1 and 16.

Run alone: ``$FA_VENV/bin/python tests/benchmarks/bench_learning.py`` prints its section, writes
test-artifacts/benchmarks-learning.json and its section of BENCHMARKS.md (replaced in place when
present); run.py calls ``run`` as one section of the whole benchmark.
"""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from bench_accuracy import load_photos  # noqa: E402

from face_attendance_daemon.engine import (  # noqa: E402
    Gallery,
    LearnPolicy,
    MatchResult,
    frontal_score,
    get_encoder,
    learn_refusal,
    pick_diverse,
)
from face_attendance_daemon.engine.quality import sharpness  # noqa: E402

ENCODER = "sface"
NEAREST_THRESHOLD = 0.50  # today's rule and its documented threshold
ENROLLED = 3
DAYS = (("first photo", 0, "plain"), ("second photo", 1, "plain"), ("first, mirrored", 0, "mirror"))
DAYS += (("second, mirrored", 1, "mirror"), ("first, closer", 0, "closer"))
FRAMES = 3  # a sighting is a track whose vote took 3 agreeing frames
STRANGER_POISON = 100
COST_PERSONS, COST_PER_PERSON, COST_BATCHES = 20_000, 5, (1, 16)


@dataclass
class Face:
    vector: np.ndarray
    size: int
    sharpness: float
    frontal: object


def variant(image, kind):
    if kind == "mirror":
        return cv2.flip(image, 1)
    if kind == "closer":
        return cv2.resize(image, None, fx=1.25, fy=1.25, interpolation=cv2.INTER_CUBIC)
    return image


def read_face(engine, path, kind="plain"):
    """The largest face of a photo (or of its variant), with what the learning rules judge."""
    image = variant(cv2.imread(path, cv2.IMREAD_COLOR), kind)
    faces = engine.detect(image)
    if not faces:
        return None
    face = max(faces, key=lambda f: f.size)
    vector = np.asarray(engine.encode(image, face), dtype=np.float32)
    return Face(vector, face.size, sharpness(image, face.box), frontal_score(face.landmarks))


class NearestTemplate:
    """Today's rule, as Gallery.match_many was before centroids: the single nearest template."""

    def __init__(self, engine, entries):
        self.engine = engine
        self.keys = [(t, p) for t, p, _v in entries]
        self.matrix = np.ascontiguousarray(np.stack([np.asarray(v, dtype=np.float32) for _t, _p, v in entries]))

    def match_many(self, vectors, threshold):
        distances = self.engine.distance_matrix(np.asarray(vectors, dtype=np.float32), self.matrix)
        best = np.argmin(distances, axis=1)
        results = []
        for row, column in enumerate(best):
            distance = float(distances[row, column])
            template_key, person_key = self.keys[column] if distance <= threshold else (None, None)
            results.append(MatchResult(person_key, template_key, distance, self.engine.confidence(distance)))
        return results


def build_gallery(engine, enrolled, learned=None, negatives=()):
    gallery = Gallery(engine)
    entries = [(("enrolled", p, n), p, v) for p, vectors in enrolled.items() for n, v in enumerate(vectors)]
    entries += [(key, p, v) for p, items in (learned or {}).items() for key, v in items]
    gallery.replace(entries)
    gallery.replace_negatives(negatives)
    return gallery


def outcome(matcher, probes, strangers, threshold):
    """probes: [(person, Face or None)]; strangers: [Face or None]."""
    found = [(p, f) for p, f in probes if f is not None]
    results = matcher.match_many(np.stack([f.vector for _p, f in found]), threshold)
    identified = sum(1 for (p, _f), r in zip(found, results, strict=True) if r.person_key == p)
    wrong = sum(1 for (p, _f), r in zip(found, results, strict=True) if r.person_key not in (None, p))
    faces = [f for f in strangers if f is not None]
    accepted = matcher.match_many(np.stack([f.vector for f in faces]), threshold)
    refused = Counter(getattr(r, "refusal", None) for r in results + accepted)
    return {
        "probes": len(probes),
        "identified": identified,
        "wrong": wrong,
        "not_recognised": len(probes) - identified - wrong,
        "strangers": len(strangers),
        "strangers_accepted": sum(1 for r in accepted if r.person_key is not None),
        "refused_by_negative": refused.get("negative", 0),
    }


def own_distances(engine, gallery, probes):
    """Each probe's distance to its own person's centroid (whether or not that person is the nearest)."""
    centroids = dict(zip(*gallery.centroids(), strict=True))
    return [float(engine.distances(f.vector, centroids[p][None, :])[0]) for p, f in probes if f is not None]


def spread(values):
    return {"median": round(float(np.median(values)), 4), "p90": round(float(np.percentile(values, 90)), 4)}


def add(total, part):
    for key, value in part.items():
        total[key] = total.get(key, 0) + value
    return total


def learn_day(engine, enrolled, learned, day_candidates, cap):
    """The day's settled candidates join each person's learned templates, the most diverse kept."""
    for person, candidates in day_candidates.items():
        current = learned.get(person, [])
        keep = set(pick_diverse(engine, enrolled[person], current, candidates, cap))
        learned[person] = [(key, vector) for key, vector in current + candidates if key in keep]


def week(engine, enrolled, schedule, threshold, policy):
    """schedule: per day, [(person, key, Face or None)]. Returns (gallery, learned, negatives, counts)."""
    learned, negatives, counts = {}, [], Counter()
    gallery = build_gallery(engine, enrolled)
    for sightings in schedule:
        candidates = {}
        seen = [(p, k, f) for p, k, f in sightings if f is not None]
        counts["no_face"] += len(sightings) - len(seen)
        results = gallery.match_many(np.stack([f.vector for _p, _k, f in seen]), threshold)
        for (person, key, face), match in zip(seen, results, strict=True):
            counts["sightings"] += 1
            if match.person_key is None:
                counts["unknown"] += 1
                continue
            if match.person_key != person:
                # HR marks it "not this person": a negative of whom it was taken for, never learned.
                counts["corrected"] += 1
                negatives.append((("negative",) + key, match.person_key, face.vector))
                continue
            counts["recognised"] += 1
            reason = learn_refusal(
                policy, threshold, match.distance, face.size, face.sharpness, face.frontal, FRAMES, None
            )
            if reason:
                counts["refused_" + reason] += 1
                continue
            counts["candidates"] += 1
            candidates.setdefault(person, []).append((key, face.vector))
        learn_day(engine, enrolled, learned, candidates, policy.cap)
        gallery = build_gallery(engine, enrolled, learned, negatives)
    counts["learned_kept"] = sum(len(items) for items in learned.values())
    counts["persons_with_learned"] = sum(1 for items in learned.values() if items)
    return gallery, learned, negatives, counts


def timed(function, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return float(np.median(samples))


def matching_cost_one_thread(log):
    """matching_cost in a process of its own with one BLAS thread: one camera's analysis thread
    matches alone, and on a loaded machine more BLAS threads for a single query only contend (a
    query against 20k rows then took as long as against 100k)."""
    log("learning: matching cost at %d templates (one BLAS thread, own process)" % (COST_PERSONS * COST_PER_PERSON))
    threads = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    run = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--cost-only"],
        env=dict(os.environ, **threads),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)


def matching_cost(engine, repeat=60):
    rng = np.random.default_rng(25)
    dimension = engine.dimension

    def unit(rows):
        vectors = rng.standard_normal((rows, dimension)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    # Each person's templates spread around a centre, as one person's photos are.
    centres = unit(COST_PERSONS)
    templates = np.repeat(centres, COST_PER_PERSON, axis=0) + 0.6 * unit(COST_PERSONS * COST_PER_PERSON)
    templates /= np.linalg.norm(templates, axis=1, keepdims=True)
    entries = [
        ((i, j), i, templates[i * COST_PER_PERSON + j]) for i in range(COST_PERSONS) for j in range(COST_PER_PERSON)
    ]
    started = time.perf_counter()
    nearest = NearestTemplate(engine, entries)
    nearest_build = time.perf_counter() - started
    started = time.perf_counter()
    gallery = Gallery(engine)
    gallery.replace(entries)
    centroid_build = time.perf_counter() - started
    queries = centres[rng.integers(0, COST_PERSONS, 256)] + 0.5 * unit(256)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    rows = []
    for batch in COST_BATCHES:
        row = {"batch": batch}
        for name, matcher in (("nearest", nearest), ("centroid", gallery)):
            offset = [0]

            def one_batch(matcher=matcher, batch=batch, offset=offset):
                start = offset[0] % (len(queries) - batch)
                offset[0] += batch
                matcher.match_many(queries[start : start + batch], engine.default_threshold)

            one_batch()  # warm the caches
            row[name + "_us_per_query"] = round(1e6 * timed(one_batch, repeat) / batch, 1)
        row["speedup"] = round(row["nearest_us_per_query"] / row["centroid_us_per_query"], 2)
        rows.append(row)
    return {
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "templates": len(entries),
        "persons": COST_PERSONS,
        "dimension": dimension,
        "repeat": repeat,
        "build_seconds": {"nearest": round(nearest_build, 2), "centroid": round(centroid_build, 2)},
        "rows": rows,
    }


def run(faces_dir, log):
    started = time.perf_counter()
    engine = get_encoder(ENCODER)
    known, stranger_paths = load_photos(faces_dir)
    persons = sorted(known)
    log("learning: reading %d known and %d stranger photos" % (sum(map(len, known.values())), len(stranger_paths)))
    faces = {p: [read_face(engine, path) for path in known[p]] for p in persons}
    strangers = [read_face(engine, path) for path in stranger_paths]
    enrolled = {p: [f.vector for f in faces[p][:ENROLLED] if f is not None] for p in persons}
    others = range(ENROLLED, min(len(v) for v in known.values()))
    probes = [(p, faces[p][i]) for p in persons for i in others]
    centroid_threshold = float(engine.default_threshold)
    policy = LearnPolicy()

    # a. today's rule against the centroid
    entries = [(("enrolled", p, n), p, v) for p, vectors in enrolled.items() for n, v in enumerate(vectors)]
    nearest = NearestTemplate(engine, entries)
    enrolled_gallery = build_gallery(engine, enrolled)
    identification = []
    for rule, matcher in (("nearest template", nearest), ("centroid", enrolled_gallery)):
        for threshold in sorted({NEAREST_THRESHOLD, centroid_threshold}):
            identification.append(
                {
                    "rule": rule,
                    "threshold": threshold,
                    "baseline": rule == "nearest template" and threshold == NEAREST_THRESHOLD,
                    "new_default": rule == "centroid" and threshold == centroid_threshold,
                    **outcome(matcher, probes, strangers, threshold),
                }
            )

    # b. a week of sightings per fold
    log("learning: a week of sightings, %d folds" % len(others))
    variants = {}
    for p in persons:
        for i in others:
            variants[(p, i, "plain")] = faces[p][i]
            for kind in ("mirror", "closer"):
                variants[(p, i, kind)] = read_face(engine, known[p][i], kind)
    baseline, before, after, counts = {}, {}, {}, Counter()
    own_before, own_after, missed = [], [], []
    folds = []
    for probe_index in others:
        sighting_photos = [i for i in others if i != probe_index]
        schedule = []
        for day, (_label, which, kind) in enumerate(DAYS):
            photo = sighting_photos[which]
            schedule.append([(p, (p, photo, kind, day), variants[(p, photo, kind)]) for p in persons])
        fold_probes = [(p, faces[p][probe_index]) for p in persons]
        gallery, _learned, _negatives, fold_counts = week(engine, enrolled, schedule, centroid_threshold, policy)
        fold_before = outcome(enrolled_gallery, fold_probes, strangers, centroid_threshold)
        fold_after = outcome(gallery, fold_probes, strangers, centroid_threshold)
        own_before += own_distances(engine, enrolled_gallery, fold_probes)
        own_after += own_distances(engine, gallery, fold_probes)
        for person, face in fold_probes:
            match = gallery.match(face.vector, centroid_threshold) if face is not None else None
            if match is None or match.person_key != person:
                missed.append(
                    {
                        "person": person,
                        "photo": probe_index + 1,
                        "distance_to_own_centroid": own_distances(engine, gallery, [(person, face)])[0]
                        if face is not None
                        else None,
                        "face_size": face and face.size,
                        "frontal": face and face.frontal and round(face.frontal, 2),
                    }
                )
        add(baseline, outcome(nearest, fold_probes, strangers, NEAREST_THRESHOLD))
        add(before, fold_before)
        add(after, fold_after)
        counts.update(fold_counts)
        folds.append({"probe_photo": probe_index + 1, "before": fold_before, "after": fold_after, **fold_counts})
    sighting_week = {
        "days": [label for label, _which, _kind in DAYS],
        "frames_per_sighting": FRAMES,
        "policy": vars(policy),
        "threshold": centroid_threshold,
        "baseline_nearest": baseline,
        "before": before,
        "after": after,
        "counts": dict(counts),
        "own_distance_before": spread(own_before),
        "own_distance_after": spread(own_after),
        "missed_after": missed,
        "folds": folds,
    }

    # c. poisoning: wrongly confirmed by hand, learned, then corrected
    log("learning: poisoning")
    poison = [(persons[j % len(persons)], ("stranger", j), strangers[j]) for j in range(STRANGER_POISON)]
    poison += [
        (p, ("other", persons[(n + 1) % len(persons)]), faces[persons[(n + 1) % len(persons)]][ENROLLED])
        for n, p in enumerate(persons)
    ]
    poison = [(p, k, f) for p, k, f in poison if f is not None]
    centroids = dict(zip(*enrolled_gallery.centroids(), strict=True))
    rules_would_refuse = Counter()
    for person, _key, face in poison:
        distance = float(engine.distances(face.vector, centroids[person][None, :])[0])
        reason = learn_refusal(
            policy, centroid_threshold, distance, face.size, face.sharpness, face.frontal, FRAMES, None
        )
        rules_would_refuse[reason or "none"] += 1
    learned = {}
    by_person = {}
    for person, key, face in poison:
        by_person.setdefault(person, []).append((key, face.vector))
    learn_day(engine, enrolled, learned, by_person, policy.cap)
    poisoned = build_gallery(engine, enrolled, learned)
    negatives = [(("negative",) + key, person, face.vector) for person, key, face in poison]
    corrected = build_gallery(engine, enrolled, None, negatives)
    poisoned_faces = [(p, f) for p, _k, f in poison]
    again = corrected.match_many(np.stack([f.vector for _p, f in poisoned_faces]), centroid_threshold)
    removed_only = enrolled_gallery.match_many(np.stack([f.vector for _p, f in poisoned_faces]), centroid_threshold)
    poisoning = {
        "sightings": len(poison),
        "strangers": sum(1 for _p, k, _f in poison if k[0] == "stranger"),
        "other_people": sum(1 for _p, k, _f in poison if k[0] == "other"),
        "learned": sum(len(v) for v in learned.values()),
        "rules_would_refuse": dict(rules_would_refuse),
        "stages": [
            dict(stage="enrolled only", **outcome(enrolled_gallery, probes, strangers, centroid_threshold)),
            dict(stage="poisoned (learned)", **outcome(poisoned, probes, strangers, centroid_threshold)),
            dict(stage="corrected (removed + negatives)", **outcome(corrected, probes, strangers, centroid_threshold)),
        ],
        "poisoned_faces_given_to_their_wrong_person_after_correction": sum(
            1 for (p, _f), r in zip(poisoned_faces, again, strict=True) if r.person_key == p
        ),
        "poisoned_faces_given_to_their_wrong_person_without_negatives": sum(
            1 for (p, _f), r in zip(poisoned_faces, removed_only, strict=True) if r.person_key == p
        ),
    }

    # d. matching cost
    cost = matching_cost_one_thread(log)
    return {
        "encoder": engine.tag,
        "persons": len(persons),
        "enrolled_per_person": ENROLLED,
        "strangers": len(strangers),
        "thresholds": {"nearest": NEAREST_THRESHOLD, "centroid": centroid_threshold},
        "identification": identification,
        "week": sighting_week,
        "poisoning": poisoning,
        "cost": cost,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main():
    from report import LEARNING_SECTION, alone_main, learning_section

    def cost_only(parser):
        parser.add_argument("--cost-only", action="store_true", help="print matching_cost's JSON only")

        def handle(args):
            if args.cost_only:
                print(json.dumps(matching_cost(get_encoder(ENCODER))))
            return args.cost_only

        return handle

    alone_main(
        __doc__,
        lambda log, faces: run(faces, log),
        "benchmarks-learning.json",
        learning_section,
        LEARNING_SECTION,
        before="## 4. ",
        extra=cost_only,
    )


if __name__ == "__main__":
    main()
