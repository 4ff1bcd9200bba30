"""Image dimensions read from the header bytes alone, so hostile images are refused before decoding.

A PNG of a few hundred bytes can claim 30,000 x 30,000 pixels, and ``cv2.imdecode`` would allocate
the 2.7 GB it needs before finding anything wrong. Nothing here decodes pixel data: each reader
looks at a few bytes at a fixed place (or walks JPEG markers up to the first frame header).
Only the five formats the engine accepts are recognised; anything else (TIFF, OpenEXR, JPEG 2000,
PxM, Radiance HDR, ...) is refused although OpenCV could decode it, because we never need it and
each extra codec is extra attack surface.
"""

import re
import struct

from .errors import ImageTooLarge, NotAnImage

# 40 MP covers any camera or phone photo at its usual resolution (12-24 MP, 8K video frames are 33 MP)
# while bounding a decoded BGR image to 120 MB; a side over 12,000 px is never a face photo, and the
# side limit also stops a 1 x 40,000,000 strip that the pixel count alone would let through.
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000

SUPPORTED_FORMATS = ("JPEG", "PNG", "BMP", "WebP", "GIF")
_SUPPORTED = "JPEG, PNG, BMP, WebP or GIF"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers: SOF0-3, SOF5-7, SOF9-11, SOF13-15 (C4 is DHT, C8 JPG, CC DAC).
_JPEG_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))
# The byte after a run of 0xFF (one, or more as fill bytes) is a marker's code.
_NOT_FF = re.compile(rb"[^\xff]")
# Real files carry a few dozen segments before the frame header (APPn, COM, DQT, DHT; a large ICC
# profile or extended XMP takes one per 64 KB); more is a file built to keep this loop busy.
_JPEG_MAX_MARKERS = 1000
# Markers without a length field: TEM and RST0-7 (SOI and EOI are handled on their own).
_JPEG_STANDALONE = frozenset([0x01] + list(range(0xD0, 0xD8)))


def _corrupt(fmt, what):
    return NotAnImage("The %s image header is %s." % (fmt, what), format=fmt)


def _jpeg_dimensions(data):
    # The caller checked FF D8 FF. Like libjpeg, garbage bytes between segments are skipped up to
    # the next 0xFF, fill bytes (repeated 0xFF) are skipped, and the first SOFn gives the size.
    size = len(data)
    pos = 2
    for _marker in range(_JPEG_MAX_MARKERS):
        pos = data.find(b"\xff", pos)
        code = _NOT_FF.search(data, pos) if pos >= 0 else None
        if code is None:
            raise _corrupt("JPEG", "truncated before its frame header")
        marker = data[code.start()]
        pos = code.start() + 1
        if marker == 0x00 or marker in _JPEG_STANDALONE:
            continue  # a stuffed 0xFF00 in garbage, or a marker without a payload
        if marker == 0xD8:
            raise _corrupt("JPEG", "corrupt (a second start-of-image marker)")
        if marker == 0xD9:
            raise _corrupt("JPEG", "corrupt (end of image before any frame header)")
        if marker == 0xDA:
            raise _corrupt("JPEG", "corrupt (scan data before any frame header)")
        if pos + 2 > size:
            raise _corrupt("JPEG", "truncated inside a segment length")
        length = struct.unpack_from(">H", data, pos)[0]
        if length < 2:
            raise _corrupt("JPEG", "corrupt (a segment length below 2)")
        if marker in _JPEG_SOF:
            # length(2) precision(1) height(2) width(2) components(1)
            if length < 8 or pos + 7 > size:
                raise _corrupt("JPEG", "truncated inside its frame header")
            height, width = struct.unpack_from(">HH", data, pos + 3)
            return width, height
        pos += length
    raise _corrupt("JPEG", "corrupt (over %d markers before the frame header)" % _JPEG_MAX_MARKERS)


def _png_dimensions(data):
    # signature(8), then the first chunk must be IHDR: length(4)=13, type(4), width(4), height(4), ...
    if len(data) < 24:
        raise _corrupt("PNG", "truncated")
    length, chunk = struct.unpack_from(">I4s", data, 8)
    if chunk != b"IHDR" or length != 13:
        raise _corrupt("PNG", "corrupt (the first chunk is not a valid IHDR)")
    width, height = struct.unpack_from(">II", data, 16)
    return width, height


def _bmp_dimensions(data):
    # BITMAPFILEHEADER(14), then the DIB header starting with its own size.
    if len(data) < 18:
        raise _corrupt("BMP", "truncated")
    header_size = struct.unpack_from("<I", data, 14)[0]
    if header_size == 12:  # BITMAPCOREHEADER (OS/2 1.x): unsigned 16-bit width and height
        if len(data) < 22:
            raise _corrupt("BMP", "truncated")
        width, height = struct.unpack_from("<HH", data, 18)
    elif 16 <= header_size <= 4096:
        # BITMAPINFOHEADER (40) and its successors V2-V5 (52, 56, 108, 124), OS/2 2.x (16-64):
        # signed 32-bit width and height; a negative height means the rows are stored top-down.
        if len(data) < 26:
            raise _corrupt("BMP", "truncated")
        width, height = struct.unpack_from("<ii", data, 18)
        if width < 0:
            raise _corrupt("BMP", "corrupt (negative width)")
        height = abs(height)
    else:
        raise _corrupt("BMP", "corrupt (unknown DIB header size %d)" % header_size)
    return width, height


def _webp_dimensions(data):
    # "RIFF" size(4) "WEBP", then the first chunk: fourcc(4) size(4) payload.
    if len(data) < 30:
        raise _corrupt("WebP", "truncated")
    chunk = data[12:16]
    if chunk == b"VP8 ":
        # Lossy: frame tag(3), start code 9D 01 2A, 14-bit width and height (2 scale bits ignored).
        if data[20] & 1:
            raise _corrupt("WebP", "corrupt (the VP8 frame is not a key frame)")
        if data[23:26] != b"\x9d\x01\x2a":
            raise _corrupt("WebP", "corrupt (no VP8 start code)")
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        # Lossless: signature 0x2F, then 14 bits width-1, 14 bits height-1, 1 alpha bit, 3 version bits.
        if data[20] != 0x2F:
            raise _corrupt("WebP", "corrupt (no VP8L signature)")
        bits = struct.unpack_from("<I", data, 21)[0]
        if bits >> 29:
            raise _corrupt("WebP", "corrupt (unknown VP8L version)")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        # Extended: flags(4), then 24-bit canvas width-1 and height-1.
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    raise _corrupt("WebP", "corrupt (unknown first chunk %r)" % bytes(chunk))


def _gif_dimensions(data):
    # "GIF87a"/"GIF89a", then the logical screen's 16-bit width and height.
    if len(data) < 10:
        raise _corrupt("GIF", "truncated")
    width, height = struct.unpack_from("<HH", data, 6)
    return width, height


def image_dimensions(data):
    """``(format, width, height)`` of JPEG, PNG, BMP, WebP or GIF bytes, read from the header only.

    ``format`` is one of ``SUPPORTED_FORMATS``. Raises NotAnImage for any other format and for a
    truncated or corrupt header. The sizes are what the header claims; they are not checked here.
    """
    if isinstance(data, str):
        raise NotAnImage("Expected image bytes, got text.")
    if not isinstance(data, (bytes, bytearray)):
        try:  # any other buffer (memoryview, numpy array); never bytes(n), which would allocate n bytes
            data = memoryview(data).tobytes()
        except TypeError:
            raise NotAnImage("Expected image bytes, got %s." % type(data).__name__) from None
    if not data:
        raise NotAnImage("The image is empty.")
    head = bytes(data[:16])
    if head.startswith(b"\xff\xd8\xff"):
        return ("JPEG",) + _jpeg_dimensions(data)
    if head.startswith(_PNG_SIGNATURE):
        return ("PNG",) + _png_dimensions(data)
    if head.startswith(b"BM"):
        return ("BMP",) + _bmp_dimensions(data)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return ("WebP",) + _webp_dimensions(data)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return ("GIF",) + _gif_dimensions(data)
    raise NotAnImage("The data is not an image in a format we accept (%s)." % _SUPPORTED)


def check_image_header(data, max_pixels=MAX_PIXELS, max_side=MAX_SIDE):
    """Refuse ``data`` from its header alone; returns ``(format, width, height)`` when it may be decoded.

    Raises NotAnImage (unsupported format, truncated or corrupt header) or ImageTooLarge (a side of
    0 pixels, a side over ``max_side`` or more than ``max_pixels`` pixels).
    """
    fmt, width, height = image_dimensions(data)
    if width == 0 or height == 0:
        raise ImageTooLarge(
            "The %s image claims %dx%d pixels; an image cannot be empty." % (fmt, width, height),
            format=fmt,
            width=width,
            height=height,
            max_pixels=max_pixels,
            max_side=max_side,
        )
    if max_side and max(width, height) > max_side:
        raise ImageTooLarge(
            "The %s image has %dx%d pixels; no side may exceed %d pixels." % (fmt, width, height, max_side),
            format=fmt,
            width=width,
            height=height,
            max_pixels=max_pixels,
            max_side=max_side,
        )
    if max_pixels and width * height > max_pixels:
        raise ImageTooLarge(
            "The %s image has %dx%d pixels; the limit is %d pixels." % (fmt, width, height, max_pixels),
            format=fmt,
            width=width,
            height=height,
            max_pixels=max_pixels,
            max_side=max_side,
        )
    return fmt, width, height
