"""Enrolment: one image in, exactly one good face's template out, or a clear refusal."""

from dataclasses import dataclass

import numpy as np

from .errors import FaceTooSmall, NoFaceFound, SeveralFaces
from .imageio import decode_image
from .quality import sharpness

DEFAULT_MIN_FACE_SIZE = 60


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


def enrol_image(encoder, data, min_face_size=DEFAULT_MIN_FACE_SIZE, max_bytes=None):
    """Template of the single face in ``data`` (image bytes).

    Raises NotAnImage, ImageTooLarge, NoFaceFound, SeveralFaces or FaceTooSmall.
    """
    image = decode_image(data, max_bytes=max_bytes)
    faces = encoder.detect(image)
    if not faces:
        raise NoFaceFound("No face was found in the image. Use a well-lit photo facing the camera.")
    if len(faces) > 1:
        raise SeveralFaces(
            "%d faces were found in the image; an enrolment photo must show one person only." % len(faces),
            count=len(faces),
            boxes=[list(f.box) for f in faces],
        )
    face = faces[0]
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
    )
