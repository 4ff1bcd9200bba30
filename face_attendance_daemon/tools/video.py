"""Builds test and demo videos from still photos: faces that walk across a scene.

    python -m face_attendance_daemon.tools.video OUT.mp4 PHOTO:START:END [PHOTO:START:END ...]

START and END are seconds; a photo moves left to right between them. Several photos may overlap
in time (several faces per frame); gaps give frames with nobody.
"""

import sys
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class Walker:
    photo: str
    start: float
    end: float
    row: float = 0.5  # vertical position of the photo's centre, as a fraction of the height
    size: int = 220


def _background(width, height):
    y, x = np.mgrid[0:height, 0:width]
    base = (90 + 40 * x / width + 30 * y / height).astype(np.uint8)
    image = np.dstack([base, base + 10, base + 5])
    rng = np.random.default_rng(7)
    return cv2.add(image, rng.integers(0, 12, image.shape, dtype=np.uint8))


def build_video(path, walkers, duration, fps=10, size=(640, 480)):
    """Writes ``path`` (mp4v) and returns the number of frames."""
    width, height = size
    background = _background(width, height)
    photos = {}
    for walker in walkers:
        if walker.photo not in photos:
            image = cv2.imread(walker.photo, cv2.IMREAD_COLOR)
            if image is None:
                raise ValueError("cannot read %s" % walker.photo)
            photos[walker.photo] = image
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError("cannot write %s" % path)
    frames = int(round(duration * fps))
    for index in range(frames):
        t = index / fps
        frame = background.copy()
        for walker in walkers:
            if not walker.start <= t < walker.end:
                continue
            progress = (t - walker.start) / max(walker.end - walker.start, 1e-6)
            photo = cv2.resize(photos[walker.photo], (walker.size, walker.size), interpolation=cv2.INTER_AREA)
            x = int(-walker.size * 0.2 + progress * (width - walker.size * 0.6))
            y = int(walker.row * height - walker.size / 2)
            x0, y0 = max(0, x), max(0, y)
            x1, y1 = min(width, x + walker.size), min(height, y + walker.size)
            if x1 > x0 and y1 > y0:
                frame[y0:y1, x0:x1] = photo[y0 - y : y1 - y, x0 - x : x1 - x]
        writer.write(frame)
    writer.release()
    return frames


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2:
        print(__doc__)
        return 2
    walkers = []
    for spec in argv[1:]:
        photo, start, end = spec.rsplit(":", 2)
        walkers.append(Walker(photo, float(start), float(end)))
    duration = max(w.end for w in walkers) + 1.0
    print("%d frames written to %s" % (build_video(argv[0], walkers, duration), argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
