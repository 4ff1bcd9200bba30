"""The daemon's stages one by one, on real photos with synthetic motion."""

import os
import random
import subprocess
import sys
import threading
import time

import cv2
import numpy as np
import pytest

from face_attendance_daemon.breaker import CircuitBreaker, backoff_delay
from face_attendance_daemon.capture import CameraSource
from face_attendance_daemon.config import CaptureSettings, ConfigError, load
from face_attendance_daemon.decide import event_id, make_event, snapshot_b64
from face_attendance_daemon.engine import Gallery, decode_image, get_encoder, identify_faces
from face_attendance_daemon.outbox import Outbox
from face_attendance_daemon.tools.video import Walker, build_video
from face_attendance_daemon.track import Observation, Tracker
from face_attendance_daemon.vote import Voter


@pytest.fixture(scope="module")
def encoder():
    return get_encoder("sface")


@pytest.fixture(scope="module")
def gallery(encoder, photo):
    """Kofi Annan (person 1) and Jackie Chan (person 2), enrolled from photos 1-3."""
    entries = []
    for person, name in ((1, "Kofi_Annan"), (2, "Jackie_Chan")):
        for number in (1, 2, 3):
            image = decode_image(photo(name, number))
            face = encoder.detect(image)[0]
            entries.append(((person, number), person, encoder.encode(image, face)))
    result = Gallery(encoder)
    result.replace(entries)
    return result


def moving_frames(photo_path, steps=12, size=(640, 480), second=None):
    """A photo sliding across a background, optionally with a second photo sliding the other way."""
    width, height = size
    images = [cv2.resize(cv2.imread(p), (200, 200)) for p in [photo_path] + ([second] if second else [])]
    frames = []
    for step in range(steps):
        frame = np.full((height, width, 3), 110, np.uint8)
        x = 10 + step * 25
        frame[20:220, x : x + 200] = images[0]
        if second:
            x2 = width - 210 - step * 25
            frame[260:460, x2 : x2 + 200] = images[1]
        frames.append(frame)
    return frames


def known(faces_dir, name, number):
    return os.path.join(faces_dir, "known", name, "%s_%04d.jpg" % (name, number))


def test_thresholds_decide_who_matches(encoder, gallery, photo, faces_dir):
    kofi = decode_image(photo("Kofi_Annan", 4))
    (found,) = identify_faces(encoder, kofi, gallery)
    assert found.match.person_key == 1 and found.match.confidence > 0.5
    (strict,) = identify_faces(encoder, kofi, gallery, threshold=0.05)
    assert strict.match.person_key is None  # a per-camera threshold can be stricter
    with open(os.path.join(faces_dir, "unknown", "Aaron_Pena_0001.jpg"), "rb") as handle:
        (stranger,) = identify_faces(encoder, decode_image(handle.read()), gallery)
    assert stranger.match.person_key is None
    assert identify_faces(encoder, kofi, gallery, min_face_size=400) == []


def test_tracker_follows_moving_faces(encoder, gallery, faces_dir):
    frames = moving_frames(known(faces_dir, "Kofi_Annan", 5), second=known(faces_dir, "Jackie_Chan", 4))
    tracker = Tracker("t", max_age=1.0)
    seen = {}
    for index, frame in enumerate(frames):
        found = identify_faces(encoder, frame, gallery)
        assert len(found) == 2
        for item, track in zip(found, tracker.update([f.box for f in found], now=index * 0.1), strict=False):
            seen.setdefault(track.track_id, set()).add(item.match.person_key)
    # Two tracks, each following one person from start to end.
    assert sorted(seen.values(), key=str) == [{1}, {2}]
    # A face gone longer than max_age starts a new track.
    (track,) = tracker.update([(10, 10, 80, 80)], now=10.0)
    assert track.track_id not in seen


def test_voting_needs_n_of_the_last_m_frames():
    voter = Voter(window=5, need=3)
    tracker = Tracker("v")
    (track,) = tracker.update([(0, 0, 50, 50)], 0.0)
    sequence = [7, None, 7, 8, 7, 7, 7]
    verdicts = []
    for index, person in enumerate(sequence):
        verdict = voter.observe(track, Observation(person, 0.3, 0.7, 100.0 + index, index, (0, 0, 50, 50)))
        verdicts.append(verdict)
    # The third agreeing frame (index 4) decides; the sighting time is the first agreeing frame.
    assert [v is not None for v in verdicts] == [False, False, False, False, True, False, False]
    assert verdicts[4].person_key == 7 and verdicts[4].first_seen == 100.0 and verdicts[4].votes == 3
    # A stranger: unknown once, never a name.
    (other,) = Tracker("w").update([(0, 0, 50, 50)], 0.0)
    results = [voter.observe(other, Observation(None, 0.9, 0.0, float(i), i, (0, 0, 50, 50))) for i in range(6)]
    assert [r.person_key for r in results if r] == [None]


def test_voting_on_video_frames_rejects_a_single_lucky_frame(encoder, gallery, faces_dir):
    """Real frames of a stranger: even if one frame matched somebody, no verdict without N of M."""
    frames = moving_frames(os.path.join(faces_dir, "unknown", "Adam_Mair_0001.jpg"))
    voter, tracker = Voter(5, 3), Tracker("s")
    verdicts = []
    for index, frame in enumerate(frames):
        found = identify_faces(encoder, frame, gallery)
        for item, track in zip(found, tracker.update([f.box for f in found], index * 0.1), strict=False):
            verdict = voter.observe(
                track,
                Observation(
                    item.match.person_key, item.match.distance, item.match.confidence, index * 0.1, index, item.box
                ),
            )
            if verdict:
                verdicts.append(verdict.person_key)
    assert verdicts == [None]


def test_event_ids_are_stable_and_snapshots_bounded(faces_dir):
    tracker = Tracker("cam")
    (track,) = tracker.update([(0, 0, 50, 50)], 0.0)
    verdict = Voter(1, 1).observe(track, Observation(3, 0.2, 0.8, 1700000000.25, 1, (0, 0, 50, 50)))
    first = make_event("site", 4, track, verdict, "sface:x")
    assert first["event_id"] == event_id("site", 4, track.track_id, verdict)
    assert first["timestamp"] == "2023-11-14T22:13:20.250000Z"
    assert first["employee_id"] == 3 and first["camera_id"] == 4
    image = cv2.imread(known(faces_dir, "Kofi_Annan", 1))
    small = snapshot_b64(image, 4000)
    assert small and len(small) * 3 / 4 <= 4000
    assert snapshot_b64(image, 100) is None


def test_outbox_keeps_events_across_a_kill(tmp_path):
    """Events written by a process killed right after put() are all there, once, for the next one."""
    path = str(tmp_path / "outbox.sqlite3")
    script = (
        "import os, sys\n"
        "from face_attendance_daemon.outbox import Outbox\n"
        "box = Outbox(sys.argv[1])\n"
        "for i in range(200):\n"
        "    box.put({'event_id': 'e%d' % i, 'camera_id': 1})\n"
        "os.kill(os.getpid(), 9)\n"
    )
    process = subprocess.run([sys.executable, "-c", script, path])
    assert process.returncode == -9
    box = Outbox(path)
    assert box.pending_count() == 200
    assert not box.put({"event_id": "e5", "camera_id": 1})  # the same event again is not stored twice
    due = box.due(50)
    assert [e["event_id"] for e in due] == ["e%d" % i for i in range(50)]
    box.mark_sent([(e["event_id"], "checked_in") for e in due])
    box.mark_failed(["e50"], "down", delay=60)
    assert box.due(1)[0]["event_id"] == "e51"  # a failed event waits for its retry time
    box.retry_now()
    assert box.due(1)[0]["event_id"] == "e50"
    assert box.pending_count() == 150
    box.close()


def test_outbox_bounds_disk_by_dropping_snapshots_never_events(tmp_path):
    box = Outbox(str(tmp_path / "o.sqlite3"), max_bytes=200_000)
    snapshot = "A" * 20_000
    for i in range(40):
        box.put({"event_id": "s%d" % i}, snapshot=snapshot)
    assert box.pending_count() == 40
    events = box.due(100)
    with_snapshot = [e for e in events if "snapshot" in e]
    assert 0 < len(with_snapshot) < 40
    assert with_snapshot[-1]["event_id"] == "s39"  # the oldest snapshots went first
    box.close()


def test_backoff_and_circuit_breaker():
    rng = random.Random(1)
    delays = [backoff_delay(n, 1.0, 60.0, rng) for n in range(12)]
    assert all(0 <= d <= min(60.0, 2**n) for n, d in enumerate(delays))
    assert max(delays[8:]) <= 60.0
    now = [0.0]
    breaker = CircuitBreaker(failures=3, reset_after=10.0, clock=lambda: now[0])
    for _ in range(3):
        assert breaker.allow()
        breaker.failure()
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 10.5
    assert breaker.allow() and breaker.state == "half_open"
    breaker.failure()  # the trial call failed: open again at once
    assert breaker.state == "open" and breaker.trips == 2
    now[0] = 21.0
    assert breaker.allow()
    breaker.success()
    assert breaker.state == "closed" and breaker.failures == 0


def test_config_errors_are_all_reported(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[odoo]\nurl = "ftp://x"\ndb = "d"\nlogin = "l"\npassword = "p"\nport = 1\n'
        '[recognition]\nvote_min = 9\nvote_window = 3\nthreshold = "high"\n[colour]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load(str(path), environ={})
    text = str(caught.value)
    for expected in (
        "url must start with http",
        "unknown key 'port'",
        "vote_min <= vote_window",
        "threshold: expected float",
        "unknown section [colour]",
    ):
        assert expected in text
    with pytest.raises(ConfigError, match="not valid TOML"):
        path.write_text("[odoo\n")
        load(str(path), environ={})
    good = tmp_path / "good.toml"
    good.write_text('[odoo]\ndb = "d"\nlogin = "l"\npassword = "p"\n[[cameras]]\nid = 3\nsource = "/dev/video2"\n')
    config = load(str(good), environ={"FA_ODOO_URL": "https://odoo.example.com", "FA_RECOGNITION_VOTE_MIN": "2"})
    assert config.odoo.url == "https://odoo.example.com" and config.recognition.vote_min == 2
    assert config.camera_sources == {3: "/dev/video2"}
    with pytest.raises(ConfigError, match="FA_DELIVERY_BATCH_SIZE: expected int"):
        load(str(good), environ={"FA_DELIVERY_BATCH_SIZE": "many"})


def test_cli_reports_config_errors(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[odoo]\nurl = "http://127.0.0.1:1"\n')
    run = subprocess.run(
        [sys.executable, "-m", "face_attendance_daemon.cli", "check", "-c", str(path)],
        capture_output=True,
        text=True,
        env=dict(os.environ, FA_ODOO_DB=""),
    )
    assert run.returncode == 2
    assert "[odoo] db is required" in run.stderr


def test_slow_analysis_gets_the_newest_frame_and_a_dead_camera_stalls_nobody(tmp_path, faces_dir):
    video = str(tmp_path / "walk.mp4")
    build_video(video, [Walker(known(faces_dir, "Kofi_Annan", 4), 0.0, 4.0)], duration=4.0, fps=25)
    settings = CaptureSettings(
        reconnect_base=0.2,
        reconnect_max=0.5,
        file_realtime=True,
        file_roots=[str(tmp_path)],
        allowed_networks=["127.0.0.0/8"],
    )
    dead = CameraSource(1, "rtsp", "rtsp://127.0.0.1:9/nothing", settings).start()
    live = CameraSource(2, "file", video, settings).start()
    taken = []
    while not live.finished.is_set() or taken[-1:] != [None]:
        frame = live.next_frame(timeout=0.5)
        taken.append(frame and frame.index)
        if frame is None and live.finished.is_set():
            break
        time.sleep(0.2)  # an analysis slower than the camera
    dead.stop()
    live.stop()
    indexes = [i for i in taken if i]
    assert indexes == sorted(indexes) and len(indexes) >= 10
    assert live.stats.frames_dropped > 40  # stale frames were replaced, not queued
    assert live.stats.frames_read == 100
    assert dead.stats.errors >= 2 and dead.stats.reconnects >= 2 and dead.stats.frames_read == 0


def test_file_source_without_realtime_hands_over_every_frame(tmp_path, faces_dir):
    video = str(tmp_path / "all.mp4")
    build_video(video, [Walker(known(faces_dir, "Kofi_Annan", 4), 0.0, 2.0)], duration=2.0, fps=10)
    source = CameraSource(
        3, "file", video, CaptureSettings(file_realtime=False, file_epoch=1000.0, file_roots=[str(tmp_path)])
    ).start()
    frames = []
    while True:
        frame = source.next_frame(timeout=2.0)
        if frame is None:
            break
        frames.append(frame)
    source.stop()
    assert [f.index for f in frames] == list(range(1, 21))
    assert frames[0].captured_at == pytest.approx(1000.0, abs=0.2)
    assert frames[-1].captured_at == pytest.approx(1001.9, abs=0.2)


def test_threads_left_behind():
    # Capture threads are daemonic and stop on request: nothing from the tests above still runs.
    time.sleep(0.5)
    assert not [t for t in threading.enumerate() if t.name.startswith(("capture-", "analyse-"))]
