from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from face_attendance_daemon.engine import EngineError

from ..models.api_types import Answer, Body, DateTime, Id, ImageData, Query
from ..models.face_recognition_service import LIVE_DEFAULT, LIVE_MAX
from .api_common import ApiError, api_route, bad_request


def check_marking_scope(key):
    """Marking attendance needs a key with events:write or attendance:write (the key's user is
    checked by the model: a device or a manager, as for /events)."""
    if not (key._has_scope("events:write") or key._has_scope("attendance:write")):
        raise ApiError(
            403,
            "FORBIDDEN",
            "Marking attendance needs the scope events:write or attendance:write.",
            {"required_scope": "events:write"},
        )


def engine_refusal(error):
    """The API's answer to an image the engine refused (the model's UserError caused by an
    EngineError): 413 IMAGE_TOO_LARGE, else 422 with the engine's code; other errors unchanged."""
    cause = error.__cause__
    if not isinstance(cause, EngineError):
        return error
    return ApiError(413 if cause.code == "IMAGE_TOO_LARGE" else 422, cause.code, cause.message, cause.details)


class RecognizeBody(Body):
    # mark_attendance without a camera is said to be invalid in the document too (the route refuses
    # it with a 400): a body the document allows is never refused as invalid input.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [{"properties": {"mark_attendance": {"enum": [False]}}}, {"required": ["camera_id"]}]
        }
    )

    image: ImageData
    camera_id: Id = Field(None, description="Needed by mark_attendance: the camera gives the direction")
    mark_attendance: bool = Field(False, description="Needs the scope events:write or attendance:write")
    liveness: bool = False


class FaceBox(Answer):
    x: int
    y: int
    width: int
    height: int


class Liveness(Answer):
    score: Annotated[float, Field(ge=0, le=1)] | None
    live: bool | None


class RecognizedFace(Answer):
    box: FaceBox
    detector_score: float
    person_id: str | None
    employee_id: int | None
    name: str | None
    distance: float | None
    confidence: float | None
    event_id: str | None = Field(None, description="Only when attendance is marked")
    outcome: str = Field(None, description="Only when attendance is marked")
    attendance_id: int | None = Field(None, description="Only when attendance is marked")
    liveness: Liveness = Field(
        None, description="Only when the request asked for liveness; null score and live: unavailable."
    )


class ImageSize(Answer):
    width: int
    height: int


class Recognition(Answer):
    faces: list[RecognizedFace]
    count: int
    encoder: str
    image: ImageSize
    threshold: float
    attendance_marked: bool
    liveness_threshold: float = Field(None, description="Only when the request asked for liveness")
    liveness_available: bool = Field(None, description="Only when the request asked for liveness")


class LiveQuery(Query):
    cameraId: Id = None  # noqa: N815  # the plan's camelCase
    camera_id: Id = Field(None, description="The older name of cameraId")
    limit: Annotated[int, Field(ge=1, le=LIVE_MAX)] = LIVE_DEFAULT


class LiveDetection(Answer):
    id: int
    event_id: str
    timestamp: DateTime
    camera_id: int | None
    camera_name: str | None
    employee_id: int | None
    person_name: str | None
    person_id: str | None
    confidence: float | None
    outcome: str
    attendance_id: int | None
    has_snapshot: bool
    personId: str | None  # noqa: N815
    name: str | None
    cameraId: int | None  # noqa: N815
    trackId: str | None  # noqa: N815
    status: Literal["authorized", "unknown", "rejected"]
    boundingBox: dict[str, Any] | None = Field(description="Not stored with a sighting: always null")  # noqa: N815
    thumbnail: str | None = Field(description="Snapshots are served to managers in Odoo only")


class LiveDetections(Answer):
    detections: list[LiveDetection]
    count: int
    server_time: DateTime


class CalibrationHistogram(Answer):
    edges: list[float] = Field(description="Bin edges of the distances (one more than the counts)")
    genuine: list[int]
    impostor: list[int]


class EncoderCalibration(Answer):
    encoder: str = Field(description="The encoder's tag (name:version) the sightings carry")
    name: str
    threshold: float = Field(description="The match threshold in use for this encoder")
    genuine_count: int
    impostor_count: int
    far: float | None = Field(description="Impostors at or under the threshold / impostors; null without impostors")
    frr: float | None = Field(description="Genuine sightings over the threshold / genuine ones; null without any")
    threshold_for_target: float | None = Field(
        description="The largest threshold whose false-accept rate stays within target_far; null without impostors"
    )
    histogram: CalibrationHistogram


class Calibration(Answer):
    encoders: list[EncoderCalibration]
    target_far: float
    settle_hours: int
    retention_days: int
    since: DateTime
    until: DateTime


class FaceApiRecognition(http.Controller):
    @api_route(
        "/recognize",
        ["POST"],
        scope="recognize",
        summary="Every face of an image, with the person it matches",
        tag="Recognition",
        body=RecognizeBody,
        answer=Recognition,
        description="mark_attendance needs camera_id and the scope events:write or attendance:write. With "
        "liveness=true each face gets its liveness score; with mark_attendance too, a face that is not "
        "live makes a spoof event and no attendance, and without the liveness models nothing is marked.",
    )
    def recognize(self, body):
        if body.mark_attendance:
            if body.camera_id is None:
                raise bad_request(
                    "mark_attendance needs a camera_id: the camera gives the direction.", field="camera_id"
                )
            check_marking_scope(request.face_api_key)
        try:
            return request.env["face.recognition.service"]._recognize(
                body.image, body.camera_id, body.liveness, body.mark_attendance
            )
        except UserError as error:
            raise engine_refusal(error) from None

    @api_route(
        "/detections/live",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="Latest recognitions, newest first",
        tag="Recognition",
        query=LiveQuery,
        answer=LiveDetections,
    )
    def detections_live(self, query):
        camera_id = query.cameraId if query.cameraId is not None else query.camera_id
        return request.env["face.recognition.service"]._live_detections(camera_id, query.limit)

    @api_route(
        "/recognition/calibration",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Estimated error rates of the recognition at its threshold (managers)",
        tag="Recognition",
        answer=Calibration,
        description="Per encoder, from the decided sightings of the key user's companies: the false-accept and "
        "false-reject rates at the current threshold, the threshold the target false-accept rate "
        "(calibration_target_far) would need, and the distance histograms of genuine and impostor sightings. "
        "Genuine: recognised and not corrected, or unknown and later assigned by HR; impostor: corrected by HR "
        "as not this person, or unknown and never assigned. Nothing is changed.",
    )
    def recognition_calibration(self):
        return request.env["face.recognition.calibration"].calibration()
