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
