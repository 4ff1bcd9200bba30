"""The shared engine on real photos: both encoders, refusals, matching."""
import glob
import os

import numpy as np
import pytest

from face_attendance_daemon.engine import (
    FaceTooSmall, Gallery, NoFaceFound, NotAnImage, SeveralFaces, decode_image, encode_jpeg, enrol_image,
    get_encoder, vector_from_bytes, vector_to_bytes,
)
from face_attendance_daemon.engine.errors import EngineError, ImageTooLarge

PEOPLE = ["George_W_Bush", "Hugo_Chavez", "Kofi_Annan", "Jackie_Chan", "Gordon_Brown", "Winona_Ryder"]


@pytest.fixture(scope="module", params=["sface", "dlib"])
def encoder(request):
    return get_encoder(request.param)


def test_enrol_and_identify(encoder, photo, faces_dir):
    gallery = Gallery(encoder)
    entries = []
    for person in PEOPLE:
        for number in (1, 2, 3):
            result = enrol_image(encoder, photo(person, number))
            assert result.vector.shape == (encoder.dimension,)
            assert result.vector.dtype == np.float32
            assert (result.encoder_name, result.encoder_version) == (encoder.name, encoder.version)
            entries.append((len(entries), person, result.vector))
    gallery.replace(entries)
    assert len(gallery) == 18
    correct = 0
    for person in PEOPLE:
        for number in (4, 5, 6):
            image = decode_image(photo(person, number))
            # Some photos show bystanders too: the person is the largest face.
            face = max(encoder.detect(image), key=lambda f: f.box[2] * f.box[3])
            match = gallery.match(encoder.encode(image, face))
            assert match.person_key in (person, None), "a wrong person must never be accepted here"
            correct += match.person_key == person
    assert correct >= 14, "%s recognised %d of 18" % (encoder.name, correct)
    strangers = sorted(glob.glob(os.path.join(faces_dir, "unknown", "*.jpg")))[:40]
    accepted = 0
    for path in strangers:
        image = decode_image(open(path, "rb").read())
        faces = encoder.detect(image)
        if faces:
            accepted += gallery.match(encoder.encode(image, faces[0])).matched
    assert accepted <= 1, "%d of %d strangers accepted" % (accepted, len(strangers))


def test_refusals(encoder, photo):
    with pytest.raises(NotAnImage):
        enrol_image(encoder, b"definitely not a jpeg")
    with pytest.raises(NotAnImage):
        enrol_image(encoder, b"")
    with pytest.raises(NoFaceFound):
        enrol_image(encoder, encode_jpeg(np.full((200, 200, 3), 90, np.uint8)))
    with pytest.raises(SeveralFaces) as several:
        enrol_image(encoder, photo("Carlos_Menem", 3))
    assert several.value.details["count"] >= 2
    with pytest.raises(FaceTooSmall) as small:
        enrol_image(encoder, photo("Hugo_Chavez", 1), min_face_size=400)
    assert small.value.details["minimum"] == 400
    with pytest.raises(ImageTooLarge):
        enrol_image(encoder, photo("Hugo_Chavez", 1), max_bytes=1000)


def test_gallery_updates_are_seen_by_the_next_match(photo):
    encoder = get_encoder("sface")
    a = enrol_image(encoder, photo("Kofi_Annan", 1)).vector
    b = enrol_image(encoder, photo("Kofi_Annan", 2)).vector
    gallery = Gallery(encoder)
    gallery.upsert(1, "kofi", a)
    assert gallery.match(b).person_key == "kofi"
    gallery.remove([1])
    assert gallery.match(b).person_key is None
    assert len(gallery) == 0


def test_vector_codec_round_trip_and_checks():
    vector = np.arange(128, dtype=np.float32) / 100
    assert np.array_equal(vector_from_bytes(vector_to_bytes(vector), 128), vector)
    with pytest.raises(EngineError):
        vector_from_bytes(vector_to_bytes(vector), 512)
    with pytest.raises(EngineError):
        vector_from_bytes(vector_to_bytes(np.array([np.nan] * 128, dtype=np.float32)))


def test_batch_matching_equals_single(photo):
    encoder = get_encoder("sface")
    gallery = Gallery(encoder)
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(500, 128)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    gallery.replace((i, i % 50, rows[i]) for i in range(500))
    queries = rows[[3, 77, 420]] + 0.01
    batch = gallery.match_many(queries)
    single = [gallery.match(q) for q in queries]
    assert [m.template_key for m in batch] == [m.template_key for m in single] == [3, 77, 420]
