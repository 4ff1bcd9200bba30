"""Enrolment: one image in, exactly one good face's template out, or a clear refusal."""

from dataclasses import dataclass

import numpy as np

from .errors import FaceTooSmall, NoFaceFound, SeveralFaces
from .imageio import decode_image
from .quality import sharpness

DEFAULT_MIN_FACE_SIZE = 60
# A face whose box side is at least this many times every other face's is the photo's subject and the
# others are bystanders; below it, two people share the photo and nobody can say which one is meant.
DOMINANCE_RATIO = 1.6


@dataclass
class EnrolmentResult:
    vector: np.ndarray
    encoder_name: str
    encoder_version: str
    box: tuple
    face_size: int
    detector_score: float
    sharpness: float
    image_width: int
    image_height: int
    # Why this face was taken when the photo showed others (empty when it showed one).
    note: str = ""


def dominant_face(faces, ratio=DOMINANCE_RATIO):
    """The face clearly larger than all others (or the only one), else None."""
    if not faces:
        return None
    ordered = sorted(faces, key=lambda f: f.size, reverse=True)
    if len(ordered) == 1 or ordered[0].size >= ratio * ordered[1].size:
        return ordered[0]
    return None


def largest_face(faces):
    """The face with the largest box: the one standing closest to a kiosk's camera."""
    return max(faces, key=lambda f: f.box[2] * f.box[3]) if faces else None


def enrol_image(encoder, data, min_face_size=DEFAULT_MIN_FACE_SIZE, max_bytes=None):
    """Template of the single face in ``data`` (image bytes).

    Raises NotAnImage, ImageTooLarge, NoFaceFound, SeveralFaces (faces of similar size) or FaceTooSmall.
    A face clearly larger than the others is enrolled, with a note that the others were ignored.
    """
    image = decode_image(data, max_bytes=max_bytes)
    faces = encoder.detect(image)
    if not faces:
        raise NoFaceFound("No face was found in the image. Use a well-lit photo facing the camera.")
    face = dominant_face(faces)
    if face is None:
        raise SeveralFaces(
            "%d faces of similar size were found in the image; an enrolment photo must show one person "
            "clearly (smaller faces in the background are ignored)." % len(faces),
            count=len(faces),
            boxes=[list(f.box) for f in faces],
        )
    note = ""
    if len(faces) > 1:
        note = "%d smaller face(s) in the background were ignored; the largest face was enrolled." % (len(faces) - 1)
    if face.size < min_face_size:
        raise FaceTooSmall(
            "The face is %d pixels wide; at least %d are needed. Use a closer photo." % (face.size, min_face_size),
            face_size=face.size,
            minimum=min_face_size,
        )
    vector = encoder.encode(image, face)
    return EnrolmentResult(
        vector=vector,
        encoder_name=encoder.name,
        encoder_version=encoder.version,
        box=face.box,
        face_size=face.size,
        detector_score=face.score,
        sharpness=sharpness(image, face.box),
        image_width=int(image.shape[1]),
        image_height=int(image.shape[0]),
        note=note,
    )
