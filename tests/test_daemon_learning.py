"""What the daemon sends for learning and what it receives of HR's corrections, on real photos.

The pipeline runs as the daemon runs it (engine, tracker, vote) on frames made from the shared photos;
the gallery comes through GallerySync from sync answers shaped as Odoo's face.template.gallery_sync
gives them (templates, negatives, look-alikes), handed over by a transport that only replays them.
"""

import base64
import os

import cv2
import numpy as np
import pytest

from face_attendance_daemon.capture import Frame
from face_attendance_daemon.config import RecognitionSettings
from face_attendance_daemon.engine import decode_image, get_encoder, vector_from_bytes, vector_to_bytes
from face_attendance_daemon.gallery_sync import GallerySync
from face_attendance_daemon.pipeline import CameraPipeline

KOFI, JACKIE = 1, 2
PEOPLE = ((KOFI, "Kofi_Annan"), (JACKIE, "Jackie_Chan"))


@pytest.fixture(scope="module")
def encoder():
    return get_encoder("sface")


def vector_of(encoder, data):
    image = decode_image(data) if isinstance(data, bytes) else data
    face = max(encoder.detect(image), key=lambda f: f.size)
    return encoder.encode(image, face)


def b64(vector):
    return base64.b64encode(vector_to_bytes(vector)).decode()


@pytest.fixture(scope="module")
def templates(encoder, photo):
    """Sync entries of Kofi Annan and Jackie Chan, photos 1-3 each."""
    entries = []
    for person, name in PEOPLE:
        for number in (1, 2, 3):
            entries.append(
                {
                    "id": person * 10 + number,
                    "employee_id": person,
                    "person_id": "P%d" % person,
                    "name": name,
                    "encoding": b64(vector_of(encoder, photo(name, number))),
                    "origin": "upload",
                }
            )
    return entries


class ReplayedOdoo:
    """A transport that answers each gallery sync with the next recorded answer."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked = []

    def gallery(self, encoder_tag, since=None):
        self.asked.append(since)
        return self.answers.pop(0)


class ListOutbox:
    def __init__(self):
        self.events = []

    def put(self, event, snapshot=None):
        self.events.append(event)


def synced(encoder, *answers):
    sync = GallerySync(ReplayedOdoo(*answers), encoder)
    for _answer in answers:
        sync.sync()
    return sync


def walking(path, steps=10, size=(640, 480)):
    """A photo (250 px, its face about 95 px) sliding across a grey background."""
    width, height = size
    image = cv2.imread(path)
    frames = []
    for step in range(steps):
        frame = np.full((height, width, 3), 110, np.uint8)
        x = 10 + step * 30
        frame[115:365, x : x + 250] = image
        frames.append(frame)
    return frames


def play(encoder, gallery_sync, frames, threshold=None):
    pipeline = CameraPipeline(
        {"id": 7, "name": "door", "direction": "in", "match_threshold": threshold},
        None,
        encoder,
        gallery_sync,
        ListOutbox(),
        lambda: None,
        RecognitionSettings(snapshots=False),
        "site",
        None,
    )
    for index, image in enumerate(frames):
        pipeline.process(Frame(image, 1_700_000_000.0 + index * 0.125, index + 1))
    return pipeline.outbox.events


def known(faces_dir, name, number):
    return os.path.join(faces_dir, "known", name, "%s_%04d.jpg" % (name, number))


def stranger(faces_dir, name):
    return os.path.join(faces_dir, "unknown", "%s_0001.jpg" % name)


def test_a_recognised_sighting_carries_its_best_face_and_a_strangers_does_not(encoder, templates, faces_dir):
    sync = synced(encoder, {"templates": templates, "removed": [], "server_time": "2026-01-01 00:00:00"})
    (event,) = play(encoder, sync, walking(known(faces_dir, "Kofi_Annan", 5)))
    assert event["employee_id"] == KOFI
    # The vector of the frame nearest to Kofi: its distance to his centroid is the event's distance.
    vector = vector_from_bytes(base64.b64decode(event["encoding"]), encoder.dimension)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
    match = sync.gallery.match(vector)
    assert match.person_key == KOFI and match.distance == pytest.approx(event["distance"], abs=1e-4)
    assert 80 <= event["face_size"] <= 130
    assert event["sharpness"] > 10.0
    assert 0.0 <= event["frontal"] <= 1.0
    assert event["frames"] == 3  # the vote's agreeing frames (3 of 5)
    (unknown,) = play(encoder, sync, walking(stranger(faces_dir, "Aaron_Pena")))
    assert "employee_id" not in unknown and "encoding" not in unknown
    # The quality figures and the distance still describe the face, for calibration.
    assert unknown["frames"] == 3 and unknown["face_size"] >= 60 and unknown["distance"] > 0.5


def test_negatives_from_odoo_unmatch_the_face_they_describe(encoder, templates, faces_dir):
    full = {"templates": templates, "removed": [], "server_time": "2026-01-01 00:00:00"}  # an Odoo before negatives
    sync = synced(encoder, full)
    assert sync.negatives == 0
    # A stranger taken for somebody at a lenient camera threshold: the face HR would mark "not this person".
    strangers = sorted(os.listdir(os.path.join(faces_dir, "unknown")))[:40]
    vectors = [vector_of(encoder, cv2.imread(os.path.join(faces_dir, "unknown", name))) for name in strangers]
    matches = sync.gallery.match_many(np.stack(vectors), 1.0)
    index = int(np.argmin([m.distance for m in matches]))
    taken_for, lenient = matches[index].person_key, matches[index].distance + 0.01
    assert taken_for in (KOFI, JACKIE)
    kofi = vector_of(encoder, cv2.imread(known(faces_dir, "Kofi_Annan", 4)))
    negative = {"id": 501, "employee_id": taken_for, "encoding": b64(vectors[index])}
    sync = synced(
        encoder,
        full,
        {"templates": [], "removed": [], "negatives": [negative], "removed_negatives": [], "server_time": "b"},
    )
    assert sync.negatives == 1 and len(sync.gallery) == 6
    refused = sync.gallery.match(vectors[index], lenient)
    assert refused.person_key != taken_for
    assert refused.person_key is None and refused.refusal == "negative"
    assert sync.gallery.match(kofi).person_key == KOFI  # the person's own faces still match
    # The negative deleted in Odoo: the face matches again.
    sync.transport.answers.append({"templates": [], "removed": [], "removed_negatives": [501], "server_time": "c"})
    sync.sync()
    assert sync.negatives == 0 and sync.gallery.match(vectors[index], lenient).person_key == taken_for


def test_lookalike_margin_reaches_matching_even_when_nothing_else_changed(encoder, templates, faces_dir):
    full = {"templates": templates, "removed": [], "server_time": "a", "lookalikes": [], "lookalike_margin": 0.05}
    sync = synced(encoder, full)
    frames = walking(known(faces_dir, "Kofi_Annan", 4))
    assert [e.get("employee_id") for e in play(encoder, sync, frames)] == [KOFI]
    kofi = vector_of(encoder, cv2.imread(known(faces_dir, "Kofi_Annan", 4)))
    match = sync.gallery.match(kofi)
    persons, centroids = sync.gallery.centroids()
    others = [float(d) for p, d in zip(persons, encoder.distances(kofi, centroids), strict=True) if p != KOFI]
    gap = min(others) - match.distance
    assert gap > 0
    # Only the look-alikes changed (no template): the daemon must still rebuild its gallery.
    sync.transport.answers.append(
        {"templates": [], "removed": [], "server_time": "b", "lookalikes": [KOFI], "lookalike_margin": gap + 0.01}
    )
    sync.sync()
    assert sync.lookalikes == 1
    assert sync.gallery.match(kofi).refusal == "lookalike"
    (event,) = play(encoder, sync, frames)
    assert "employee_id" not in event and "encoding" not in event  # not named, so nothing to learn from
    # A margin the gap covers: Kofi is named again; an answer without the keys leaves it as it is.
    sync.transport.answers += [
        {"templates": [], "removed": [], "server_time": "c", "lookalikes": [KOFI], "lookalike_margin": gap - 0.01},
        {"templates": [], "removed": [], "server_time": "d"},
    ]
    sync.sync()
    assert sync.gallery.match(kofi).person_key == KOFI
    before = sync.gallery
    sync.sync()
    assert sync.gallery is before and sync.lookalikes == 1
    # Jackie is no look-alike: unaffected throughout.
    jackie = vector_of(encoder, cv2.imread(known(faces_dir, "Jackie_Chan", 4)))
    assert sync.gallery.match(jackie).person_key == JACKIE
    assert sync.transport.asked == [None, "a", "b", "c"]
