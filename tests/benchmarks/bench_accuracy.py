"""Accuracy on the shared LFW photos, ours (sface, dlib) beside the baseline (face_recognition with
its documented defaults: HOG, upsample 1, tolerance 0.6), plus videos with and without voting."""

import os
import tempfile
import time

import cv2
import numpy as np

from face_attendance_daemon.engine import Gallery, get_encoder, identify_faces
from face_attendance_daemon.tools.video import Walker, build_video
from face_attendance_daemon.track import Observation, Tracker
from face_attendance_daemon.vote import Voter

THRESHOLDS = {
    "sface": [0.45, 0.50, 0.55, 0.60, 0.65],
    "dlib": [0.38, 0.40, 0.45, 0.50, 0.55, 0.60],
    "baseline": [0.50, 0.55, 0.60],
}
# The encoders' defaults (meant for a person's centroid; this section matches the nearest template).
DEFAULT_THRESHOLD = {"sface": 0.50, "dlib": 0.38, "baseline": 0.60}


def load_photos(faces_dir):
    known = {}
    for person in sorted(os.listdir(os.path.join(faces_dir, "known"))):
        folder = os.path.join(faces_dir, "known", person)
        known[person] = [os.path.join(folder, name) for name in sorted(os.listdir(folder))]
    strangers = [
        os.path.join(faces_dir, "unknown", name) for name in sorted(os.listdir(os.path.join(faces_dir, "unknown")))
    ]
    return known, strangers


class OurEncoder:
    """Vector of the largest face, through the engine."""

    def __init__(self, name):
        self.engine = get_encoder(name)

    def vector(self, path):
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        faces = self.engine.detect(image)
        if not faces:
            return None
        face = max(faces, key=lambda f: f.box[2] * f.box[3])
        return np.asarray(self.engine.encode(image, face), dtype=np.float32)

    def distances(self, query, matrix):
        return self.engine.distances(query, matrix)


class BaselineEncoder:
    """What a user would otherwise run: face_recognition's own calls with their defaults."""

    def __init__(self):
        import face_recognition

        self.fr = face_recognition

    def vector(self, path):
        image = self.fr.load_image_file(path)
        boxes = self.fr.face_locations(image, number_of_times_to_upsample=1, model="hog")
        if not boxes:
            return None
        box = max(boxes, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))
        return self.fr.face_encodings(image, known_face_locations=[box])[0]

    def distances(self, query, matrix):
        return self.fr.face_distance(matrix, query)


def _rates(genuine, impostor, far):
    """TAR at the largest threshold whose false-accept rate is at most ``far``."""
    impostor = np.sort(np.asarray(impostor))
    allowed = int(np.floor(far * len(impostor)))
    threshold = impostor[allowed] - 1e-9 if allowed < len(impostor) else impostor[-1]
    return float(np.mean(np.asarray(genuine) <= threshold)), float(threshold), len(impostor)


def evaluate(name, encoder, known, strangers, enrolled_count, cache):
    """``cache`` keeps each photo's vector across calls: every photo is encoded once per encoder."""
    started = time.perf_counter()

    def vector(path):
        if path not in cache:
            cache[path] = encoder.vector(path)
        return cache[path]

    identities = sorted(known)
    gallery_rows, gallery_ids = [], []
    for index, person in enumerate(identities):
        for path in known[person][:enrolled_count]:
            v = vector(path)
            if v is not None:
                gallery_rows.append(v)
                gallery_ids.append(index)
    matrix = np.stack(gallery_rows)
    gallery_ids = np.asarray(gallery_ids)
    probes = [(index, path) for index, person in enumerate(identities) for path in known[person][enrolled_count:]]

    def per_identity(v):
        d = np.asarray(encoder.distances(v, matrix), dtype=np.float64)
        best = np.full(len(identities), np.inf)
        np.minimum.at(best, gallery_ids, d)
        return best

    genuine, impostor, probe_best, stranger_best = [], [], [], []
    no_face = 0
    for index, path in probes:
        v = vector(path)
        if v is None:
            no_face += 1
            probe_best.append((index, None, np.inf))
            genuine.append(np.inf)
            continue
        best = per_identity(v)
        genuine.append(best[index])
        impostor.extend(np.delete(best, index).tolist())
        probe_best.append((index, int(best.argmin()), float(best.min())))
    for path in strangers:
        v = vector(path)
        if v is None:
            stranger_best.append(np.inf)
            continue
        best = per_identity(v)
        impostor.extend(best.tolist())
        stranger_best.append(float(best.min()))
    rows = []
    for threshold in THRESHOLDS[name]:
        correct = sum(1 for i, p, d in probe_best if p == i and d <= threshold)
        wrong = sum(1 for i, p, d in probe_best if p is not None and p != i and d <= threshold)
        accepted = sum(1 for d in stranger_best if d <= threshold)
        rows.append(
            {
                "threshold": threshold,
                "default": threshold == DEFAULT_THRESHOLD[name],
                "probes": len(probes),
                "correct": correct,
                "wrong_person": wrong,
                "not_recognised": len(probes) - correct - wrong,
                "strangers": len(strangers),
                "strangers_accepted": accepted,
            }
        )
    tar3, thr3, n_imp = _rates(genuine, impostor, 1e-3)
    tar4, thr4, _ = _rates(genuine, impostor, 1e-4)
    return {
        "encoder": name,
        "enrolled_per_person": enrolled_count,
        "rows": rows,
        "no_face_found": no_face,
        "tar_at_far_1e-3": tar3,
        "threshold_at_far_1e-3": thr3,
        "tar_at_far_1e-4": tar4,
        "threshold_at_far_1e-4": thr4,
        "impostor_comparisons": n_imp,
        "seconds": round(time.perf_counter() - started, 1),
    }


def enrolled_gallery(engine, known, photos=3):
    """A Gallery of photos 1..``photos`` of each known person (largest face of each photo)."""
    entries = []
    for index, person in enumerate(sorted(known)):
        for number, path in enumerate(known[person][:photos]):
            image = cv2.imread(path)
            faces = engine.detect(image)
            if faces:
                entries.append(((index, number), person, engine.encode(image, max(faces, key=lambda f: f.size))))
    gallery = Gallery(engine)
    gallery.replace(entries)
    return gallery


def video_accuracy(faces_dir, known, strangers, encoder_name="sface", walkers_each=20):
    """Walkers (known people's photos 4-6 and strangers) through a video; attendance = a track's
    verdict. With voting (3 of 5 frames) and without (every frame decides)."""
    engine = get_encoder(encoder_name)
    identities = sorted(known)[:walkers_each]
    gallery = enrolled_gallery(engine, known)
    scenes = []
    for n, person in enumerate(identities):
        scenes.append((person, known[person][3 + n % 3]))
    for path in strangers[:walkers_each]:
        scenes.append((None, path))
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "walk.mp4")
        walkers = [
            Walker(photo, 0.2 + 2.2 * i, 2.0 + 2.2 * i, row=0.5, size=200) for i, (_p, photo) in enumerate(scenes)
        ]
        build_video(path, walkers, duration=2.2 * len(scenes) + 0.5, fps=10)
        frames = []
        capture = cv2.VideoCapture(path)
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
        found_per_frame = [identify_faces(engine, frame, gallery, min_face_size=40) for frame in frames]
    for label, (window, need) in (("voting 3 of 5", (5, 3)), ("no voting", (1, 1))):
        tracker, voter = Tracker("v", max_age=0.5), Voter(window, need)
        verdicts = {}  # walker index -> set of persons recognised
        for index, found in enumerate(found_per_frame):
            t = index / 10.0
            walker = int(t // 2.2)
            for item, track in zip(found, tracker.update([f.box for f in found], t), strict=False):
                verdict = voter.observe(
                    track,
                    Observation(item.match.person_key, item.match.distance, item.match.confidence, t, index, item.box),
                )
                if verdict and verdict.person_key is not None:
                    verdicts.setdefault(walker, set()).add(verdict.person_key)
        known_walkers = [(i, p) for i, (p, _path) in enumerate(scenes) if p]
        stranger_walkers = [i for i, (p, _path) in enumerate(scenes) if not p]
        results[label] = {
            "known_walkers": len(known_walkers),
            "stranger_walkers": len(stranger_walkers),
            "missed": sum(1 for i, p in known_walkers if p not in verdicts.get(i, set())),
            "wrong_person": sum(1 for i, p in known_walkers if verdicts.get(i, set()) - {p}),
            "stranger_attendance": sum(1 for i in stranger_walkers if verdicts.get(i)),
        }
    return {"encoder": encoder_name, "frames": len(found_per_frame), "results": results}


def run(faces_dir, log):
    known, strangers = load_photos(faces_dir)
    out = {
        "photos": {
            "known_people": len(known),
            "known_photos": sum(len(v) for v in known.values()),
            "strangers": len(strangers),
        },
        "identification": [],
        "videos": None,
    }
    encoders = [("sface", OurEncoder("sface")), ("dlib", OurEncoder("dlib")), ("baseline", BaselineEncoder())]
    for name, encoder in encoders:
        cache = {}
        for enrolled in (1, 3):
            log("accuracy: %s, %d photo(s) enrolled per person" % (name, enrolled))
            out["identification"].append(evaluate(name, encoder, known, strangers, enrolled, cache))
    log("accuracy: videos with and without voting")
    out["videos"] = video_accuracy(faces_dir, known, strangers)
    return out
