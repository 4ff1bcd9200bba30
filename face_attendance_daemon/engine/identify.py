"""Identification: every face of an image, each matched against a gallery.

The daemon's pipeline runs it on camera frames and the addon's /recognize endpoint on uploaded
images, so both see the same faces and the same matches.
"""

from dataclasses import dataclass

from .base import DetectedFace
from .match import MatchResult


@dataclass
class IdentifiedFace:
    face: DetectedFace
    match: MatchResult
    vector: object

    @property
    def box(self):
        return tuple(int(v) for v in self.face.box)


def identify_faces(encoder, image, gallery, threshold=None, min_face_size=0):
    """Detect, encode (in one batch) and match every face of ``image`` at least ``min_face_size`` big.

    Faces below the size limit are left out: too few pixels to tell people apart safely.
    """
    faces = [f for f in encoder.detect(image) if f.size >= min_face_size]
    if not faces:
        return []
    vectors = encoder.encode_many(image, faces)
    matches = gallery.match_many(vectors, threshold)
    return [IdentifiedFace(face, match, vector) for face, match, vector in zip(faces, matches, vectors, strict=False)]
