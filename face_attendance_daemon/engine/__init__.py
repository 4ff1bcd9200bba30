"""The face engine: one implementation of detection, encoding and matching.

The Odoo addon uses it to compute templates at enrolment and the daemon uses it to recognise
faces, so that both sides always produce comparable vectors. Templates carry the encoder's name
and version (``Encoder.tag``) because vectors of different encoders must never be compared.
"""

from .errors import (  # noqa: F401
    EngineError,
    EngineUnavailable,
    FaceTooSmall,
    ImageTooLarge,
    NoFaceFound,
    NotAnImage,
    SeveralFaces,
)
from .base import DetectedFace, Encoder  # noqa: F401
from .image_header import check_image_header, image_dimensions  # noqa: F401
from .imageio import decode_image, encode_jpeg  # noqa: F401
from .registry import DEFAULT_ENCODER, ENCODERS, get_encoder  # noqa: F401
from .enrol import EnrolmentResult, dominant_face, enrol_image, largest_face  # noqa: F401
from .match import Gallery, MatchResult  # noqa: F401
from .learn import LearnPolicy, learn_refusal, pick_diverse  # noqa: F401
from .calibrate import calibrate  # noqa: F401
from .quality import frontal_score  # noqa: F401
from .codec import vector_from_bytes, vector_to_bytes  # noqa: F401
from .identify import IdentifiedFace, identify_faces  # noqa: F401
