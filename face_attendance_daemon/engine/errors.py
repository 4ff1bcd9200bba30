"""Errors the engine raises for input it refuses; each carries a stable code for API answers."""


class EngineError(Exception):
    code = "ENGINE_ERROR"

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class EngineUnavailable(EngineError):
    """A model file or a library of an encoder is missing or damaged."""

    code = "ENGINE_UNAVAILABLE"


class NotAnImage(EngineError):
    code = "NOT_AN_IMAGE"


class ImageTooLarge(EngineError):
    code = "IMAGE_TOO_LARGE"


class NoFaceFound(EngineError):
    code = "NO_FACE"


class SeveralFaces(EngineError):
    code = "SEVERAL_FACES"


class FaceTooSmall(EngineError):
    code = "FACE_TOO_SMALL"
