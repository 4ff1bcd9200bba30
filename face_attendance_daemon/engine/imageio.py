"""Turning untrusted bytes into an image the encoders can read, and back."""

import cv2
import numpy as np

from .errors import ImageTooLarge, NotAnImage
from .image_header import MAX_PIXELS, MAX_SIDE, check_image_header  # noqa: F401  (MAX_* kept importable here)


def decode_image(data, max_bytes=None, max_pixels=MAX_PIXELS, max_side=MAX_SIDE):
    """Decode JPEG/PNG/BMP/WebP/GIF bytes into a BGR uint8 array, or raise NotAnImage/ImageTooLarge.

    The header is checked before anything is decoded (``check_image_header``), so an image claiming
    more than ``max_pixels`` pixels or a side over ``max_side`` is refused without allocating it, and
    other formats OpenCV could decode (TIFF, OpenEXR, JPEG 2000, PxM, ...) are refused outright.
    """
    if isinstance(data, str):
        raise NotAnImage("Expected image bytes, got text.")
    if data is None or len(data) == 0:
        raise NotAnImage("The image is empty.")
    if max_bytes and len(data) > max_bytes:
        raise ImageTooLarge(
            "The image is %d bytes; the limit is %d bytes." % (len(data), max_bytes), size=len(data), limit=max_bytes
        )
    data = bytes(data)
    fmt, width, height = check_image_header(data, max_pixels=max_pixels, max_side=max_side)
    buffer = np.frombuffer(data, dtype=np.uint8)
    # IMREAD_COLOR also turns greyscale photos (most of LFW) into 3 channels.
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise NotAnImage("The data is not a valid %s image." % fmt, format=fmt)
    if image.shape[:2] not in ((height, width), (width, height)):
        # The decoder read another size than the header we checked (turning by the EXIF
        # orientation may swap the sides): refuse rather than trust either.
        raise NotAnImage(
            "The %s image decodes to %dx%d pixels but its header claims %dx%d."
            % (fmt, image.shape[1], image.shape[0], width, height),
            format=fmt,
        )
    return image


def encode_jpeg(image, quality=85, max_side=None):
    """JPEG bytes of a BGR image, optionally scaled down so that its longer side fits ``max_side``."""
    if max_side and max(image.shape[:2]) > max_side:
        scale = max_side / float(max(image.shape[:2]))
        image = cv2.resize(
            image, (int(image.shape[1] * scale), int(image.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
    ok, buffer = cv2.imencode(".jpg", image, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:
        raise NotAnImage("The image could not be encoded as JPEG.")
    return buffer.tobytes()
