"""Quality figures of a face crop, shown to HR at enrolment and stored with the template."""

import cv2
import numpy as np


def sharpness(image, box):
    """Variance of the Laplacian inside the face box: low values mean a blurred face."""
    x, y, w, h = box
    crop = image[max(0, y) : y + h, max(0, x) : x + w]
    if crop.size == 0:
        return 0.0
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    # Compare faces of any size on one scale.
    grey = cv2.resize(grey, (112, 112), interpolation=cv2.INTER_AREA)
    return float(np.var(cv2.Laplacian(grey, cv2.CV_64F)))


def frontal_score(landmarks):
    """How squarely the face looks at the camera, from YuNet's five points, 1 frontal .. 0 in profile.

    The points are the right eye, left eye, nose tip, right and left mouth corners (as in the image:
    the person's right eye is on the image's left). As a head turns, the nose tip slides along the
    eye line towards one eye and past it in profile; its position on that line (projected, so that a
    tilted head still scores as frontal) is 0.5 of the way from one eye to the other when frontal.
    The score is 1 - 2 * |position - 0.5|, clipped to 0..1: 0.5 means the nose is halfway between the
    eyes' midpoint and an eye. None when there are no landmarks (the dlib encoder gives none).
    """
    if landmarks is None:
        return None
    points = np.asarray(landmarks, dtype=np.float64).reshape(-1, 2)
    if len(points) < 3 or not np.all(np.isfinite(points[:3])):
        return None
    right_eye, left_eye, nose = points[0], points[1], points[2]
    axis = left_eye - right_eye
    length = float(axis @ axis)
    if length <= 0.0:
        return 0.0
    position = float((nose - right_eye) @ axis) / length
    return max(0.0, min(1.0, 1.0 - 2.0 * abs(position - 0.5)))
