"""Turning untrusted bytes into an image the encoders can read, and back."""
import cv2
import numpy as np

from .errors import ImageTooLarge, NotAnImage

# A decoded 8000x8000 image already weighs 192 MB; anything larger is refused before decoding.
MAX_PIXELS = 64_000_000


def decode_image(data, max_bytes=None):
    """Decode JPEG/PNG/BMP/WebP bytes into a BGR uint8 array, or raise NotAnImage/ImageTooLarge."""
    if isinstance(data, str):
        raise NotAnImage("Expected image bytes, got text.")
    if not data:
        raise NotAnImage("The image is empty.")
    if max_bytes and len(data) > max_bytes:
        raise ImageTooLarge("The image is %d bytes; the limit is %d bytes." % (len(data), max_bytes),
                            size=len(data), limit=max_bytes)
    buffer = np.frombuffer(bytes(data), dtype=np.uint8)
    # IMREAD_COLOR also turns greyscale photos (most of LFW) into 3 channels.
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise NotAnImage("The data is not an image in a format we can read (JPEG, PNG, BMP, WebP).")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise ImageTooLarge("The image has %dx%d pixels; the limit is %d pixels."
                            % (image.shape[1], image.shape[0], MAX_PIXELS))
    return image


def encode_jpeg(image, quality=85, max_side=None):
    """JPEG bytes of a BGR image, optionally scaled down so that its longer side fits ``max_side``."""
    if max_side and max(image.shape[:2]) > max_side:
        scale = max_side / float(max(image.shape[:2]))
        image = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)),
                           interpolation=cv2.INTER_AREA)
    ok, buffer = cv2.imencode(".jpg", image, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:
        raise NotAnImage("The image could not be encoded as JPEG.")
    return buffer.tobytes()
