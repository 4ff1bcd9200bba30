"""One camera's analysis: frame -> (people) -> faces -> vectors -> matches -> tracks -> votes -> events."""

import itertools
import logging
import threading
import time

import numpy as np

from .camera_liveness import CameraLiveness
from .decide import face_crop, make_event, snapshot_b64
from .engine import identify_faces
from .engine.quality import frontal_score, sharpness
from .person_detect import regions_for_faces
from .track import Observation, Tracker
from .vote import Voter

_logger = logging.getLogger(__name__)


class CameraPipeline:
    def __init__(
        self,
        camera,
        source,
        encoder,
        gallery_sync,
        outbox,
        on_event,
        settings,
        daemon_name,
        default_threshold,
        person_detector=None,
    ):
        # Odoo's camera dict: id, name, direction, match_threshold, min_face_size, liveness
        self.camera = camera
        self.source = source
        self.encoder, self.gallery_sync, self.outbox = encoder, gallery_sync, outbox
        self.on_event = on_event
        self.settings = settings
        self.daemon_name = daemon_name
        self.threshold = camera.get("match_threshold") or settings.threshold or default_threshold
        self.min_face_size = camera.get("min_face_size") or settings.min_face_size
        self.tracker = Tracker("%s-c%s" % (daemon_name, camera["id"]), max_age=settings.max_track_age)
        self.voter = Voter(settings.vote_window, settings.vote_min)
        self.person_detector = person_detector
        self.liveness = CameraLiveness(camera, settings)
        self.events = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="analyse-%s" % camera["id"], daemon=True)

    def start(self):
        self.source.start()
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self.source.stop()
        self._thread.join(timeout=10)

    @property
    def done(self):
        """A video file fully played and analysed."""
        return self.source.finished.is_set() and not self._thread.is_alive()

    def _run(self):
        min_interval = 1.0 / self.settings.process_fps if self.settings.process_fps else 0.0
        last = 0.0
        while not self._stop.is_set():
            frame = self.source.next_frame(timeout=0.5)
            if frame is None:
                if self.source.finished.is_set():
                    return
                continue
            realtime = not (self.source.is_file and not self.source.settings.file_realtime)
            if realtime:
                if time.time() - frame.captured_at > self.source.settings.stale_after:
                    self.source.stats.frames_dropped += 1
                    continue
                if frame.captured_at - last < min_interval:
                    continue
            last = frame.captured_at
            try:
                self.process(frame)
            except Exception as error:  # one bad frame must not end the camera
                self.source.stats.errors += 1
                self.source.stats.last_error = str(error)[:300]
                _logger.exception("frame analysis failed", extra={"camera_id": self.camera["id"]})
            self.source.stats.analysed(frame)

    def identify(self, image):
        gallery = self.gallery_sync.gallery
        if self.person_detector is None:
            return identify_faces(self.encoder, image, gallery, self.threshold, self.min_face_size)
        found = []
        for x0, y0, region in regions_for_faces(image, self.person_detector.detect(image)):
            for item in identify_faces(self.encoder, region, gallery, self.threshold, self.min_face_size):
                x, y, w, h = item.face.box
                item.face.box = (x + x0, y + y0, w, h)
                if item.face.landmarks is not None:
                    item.face.landmarks = item.face.landmarks + np.float32((x0, y0))
                found.append(item)
        return found

    def process(self, frame):
        found = self.identify(frame.image)
        tracks = self.tracker.update([item.box for item in found], frame.captured_at)
        for item, track in zip(found, tracks, strict=False):
            match = item.match
            # A track that has named somebody gives no further verdict: its frames will never be scored.
            keep_frame = self.liveness.active and not any(k is not None for k in track.decided)
            observation = Observation(
                match.person_key,
                match.distance,
                match.confidence,
                frame.captured_at,
                frame.index,
                item.box,
                frame.image if keep_frame else None,
                vector=item.vector if match.person_key is not None else None,
                face_size=item.face.size,
                sharpness=sharpness(frame.image, item.box),
                frontal=frontal_score(item.face.landmarks),
            )
            if self.settings.snapshots and match.confidence > track.best_confidence:
                track.best_confidence = match.confidence
                track.best_crop = face_crop(frame.image, item.box)
            verdict = self.voter.observe(track, observation)
            # Frames that left the vote window can no longer be part of a verdict: let them go.
            for old in itertools.islice(track.history, max(0, len(track.history) - self.voter.window)):
                old.image = None
            if verdict is not None:
                self._emit(track, verdict)

    def _emit(self, track, verdict):
        liveness, result = self.liveness.fields_for(verdict.agreeing)
        event = make_event(self.daemon_name, self.camera["id"], track, verdict, self.encoder.tag, liveness)
        snapshot = snapshot_b64(track.best_crop, self.settings.snapshot_max_bytes) if self.settings.snapshots else None
        self.outbox.put(event, snapshot)
        self.events += 1
        names = self.gallery_sync.names.get(verdict.person_key, (None, None))
        _logger.info(
            "sighting",
            extra={
                "camera_id": self.camera["id"],
                "track_id": track.track_id,
                "employee_id": event.get("employee_id"),
                "person": names[1],
                "confidence": event.get("confidence"),
                "votes": verdict.votes,
                "event_id": event["event_id"],
                **({"liveness": result.verdict, "liveness_score": event.get("liveness_score")} if result else {}),
            },
        )
        self.on_event()
