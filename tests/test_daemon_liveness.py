"""Liveness per camera in the daemon, on real webcam frames of a person and of a printed photo of them.

The frames are NUAA's (../shared/data/liveness): 30 consecutive frames of subject 0001 in front of
the camera (sequences/real) and of a photo of them held up to it (sequences/attack); other real
frames of the same subject enrol them. The pipeline runs as the daemon runs it (engine, tracker,
vote, liveness models), without Odoo: the outbox is a list.
"""

import glob
import logging
import os
import shutil
import types

import cv2
import pytest

from face_attendance_daemon import camera_liveness
from face_attendance_daemon.capture import CameraStats, Frame
from face_attendance_daemon.config import ConfigError, RecognitionSettings, load
from face_attendance_daemon.daemon import Daemon
from face_attendance_daemon.engine import Gallery, get_encoder
from face_attendance_daemon.engine.liveness import checker_status, forget_checkers
from face_attendance_daemon.health import prometheus
from face_attendance_daemon.outbox import Outbox
from face_attendance_daemon.pipeline import CameraPipeline
from face_attendance_daemon.track import Observation

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
LIVENESS = os.environ.get("FA_LIVENESS_DATA") or os.path.join(SHARED, "liveness")
MODELS = os.environ.get("FA_LIVENESS_MODELS_DIR") or os.path.join(SHARED, "models")
FRAMES = 15  # the vote decides on the third frame; the rest checks that nothing else is sent
PERSON = 1
MISSING = object()


def _read_sequence(kind):
    paths = glob.glob(os.path.join(LIVENESS, "sequences", kind, "*.jpg"))
    if len(paths) < FRAMES:
        pytest.fail("liveness frames not found in %s (set FA_LIVENESS_DATA)" % LIVENESS)
    # Numbered "00_", "01_", ...: the order they were filmed in.
    return [cv2.imread(p) for p in sorted(paths, key=lambda p: int(os.path.basename(p).split("_")[0]))][:FRAMES]


@pytest.fixture(scope="module")
def models():
    checker, reason = checker_status(MODELS)
    if checker is None:
        pytest.fail("liveness models not usable in %s: %s" % (MODELS, reason))
    return MODELS


@pytest.fixture(scope="module")
def encoder():
    return get_encoder("sface")


@pytest.fixture(scope="module")
def gallery(encoder):
    """Subject 0001 enrolled from real frames that are not part of the sequences."""
    entries = []
    for number, path in enumerate(sorted(glob.glob(os.path.join(LIVENESS, "real", "0001", "*.jpg")))[:5]):
        image = cv2.imread(path)
        face = max(encoder.detect(image), key=lambda f: f.size)
        entries.append(((PERSON, number), PERSON, encoder.encode(image, face)))
    result = Gallery(encoder)
    result.replace(entries)
    return result


@pytest.fixture(scope="module")
def real_frames():
    return _read_sequence("real")


@pytest.fixture(scope="module")
def attack_frames():
    return _read_sequence("attack")


class ListOutbox:
    def __init__(self):
        self.events = []

    def put(self, event, snapshot=None):
        self.events.append(event)


def make_pipeline(encoder, gallery, mode=MISSING, models_dir="", camera_id=5):
    camera = {"id": camera_id, "name": "door", "direction": "in"}
    if mode is not MISSING:
        camera["liveness"] = mode
    settings = RecognitionSettings(snapshots=False, liveness_models=models_dir)
    return CameraPipeline(
        camera,
        None,
        encoder,
        types.SimpleNamespace(gallery=gallery, names={}),
        ListOutbox(),
        lambda: None,
        settings,
        "site",
        None,
    )


def play(pipeline, frames, start=1_700_000_000.0):
    for index, image in enumerate(frames):
        pipeline.process(Frame(image, start + index * 0.125, index + 1))
    return pipeline.outbox.events


def run(encoder, gallery, frames, mode=MISSING, models_dir=""):
    pipeline = make_pipeline(encoder, gallery, mode, models_dir)
    events = play(pipeline, frames)
    assert events, "no event: the pipeline did not decide on the face at all"
    return events, pipeline


# ---------------------------------------------------------------------------------------------- modes


def test_enforce_calls_a_printed_photo_a_spoof(encoder, gallery, attack_frames, models):
    events, _pipeline = run(encoder, gallery, attack_frames, "enforce", models)
    # The photo is good enough to be recognised: only liveness stands between it and an attendance.
    assert [e.get("employee_id") for e in events] == [PERSON]
    assert [e["liveness"] for e in events] == ["spoof"]
    assert 0.0 <= events[0]["liveness_score"] < 0.5


def test_enforce_lets_a_live_person_through(encoder, gallery, real_frames, models):
    events, pipeline = run(encoder, gallery, real_frames, "enforce", models)
    assert [e.get("employee_id") for e in events] == [PERSON]
    assert [e["liveness"] for e in events] == ["live"]
    assert 0.5 <= events[0]["liveness_score"] <= 1.0
    # Frames are kept for scoring only while a verdict may still come: none is left once named.
    (track,) = pipeline.tracker.tracks
    assert all(o.image is None for o in track.history)


def test_enforce_also_judges_unknown_faces(encoder, attack_frames, real_frames, models):
    empty = Gallery(encoder)
    spoof, _ = run(encoder, empty, attack_frames, "enforce", models)
    live, pipeline = run(encoder, empty, real_frames, "enforce", models)
    assert [("employee_id" in e, e["liveness"]) for e in spoof + live] == [(False, "spoof"), (False, "live")]
    # An unknown track may still be named later, so its last vote window of frames is kept, no more.
    (track,) = pipeline.tracker.tracks
    kept = [o for o in track.history if o.image is not None]
    assert 0 < len(kept) <= pipeline.voter.window
    assert kept == list(track.history)[-len(kept) :]


def test_flag_sends_the_score_and_no_verdict(encoder, gallery, attack_frames, real_frames, models):
    spoof, _ = run(encoder, gallery, attack_frames, "flag", models)
    live, _ = run(encoder, gallery, real_frames, "flag", models)
    for event in spoof + live:
        assert "liveness" not in event and event.get("employee_id") == PERSON
    assert spoof[0]["liveness_score"] < 0.5 <= live[0]["liveness_score"]


@pytest.mark.parametrize("mode", [MISSING, None, False, "off", " OFF "])
def test_off_sends_nothing_and_keeps_no_frame(encoder, gallery, attack_frames, models, mode):
    events, pipeline = run(encoder, gallery, attack_frames, mode, models)
    assert [e.get("employee_id") for e in events] == [PERSON]
    assert not {"liveness", "liveness_score"} & set(events[0])
    assert all(o.image is None for t in pipeline.tracker.tracks for o in t.history)


@pytest.mark.parametrize("mode", ["strict", "enforced", 1, True, ["enforce"]])
def test_an_unknown_mode_fails_closed_as_enforce(encoder, gallery, attack_frames, real_frames, models, mode, caplog):
    with caplog.at_level(logging.ERROR, logger="face_attendance_daemon.camera_liveness"):
        spoof, pipeline = run(encoder, gallery, attack_frames, mode, models)
    assert pipeline.liveness.mode == "enforce" and "unknown liveness mode" in pipeline.liveness.problem
    assert any("unknown liveness mode" in r.getMessage() for r in caplog.records)
    live, _ = run(encoder, gallery, real_frames, mode, models)
    assert (spoof[0]["liveness"], live[0]["liveness"]) == ("spoof", "live")


def test_mode_values():
    assert camera_liveness.camera_mode("Enforce") == ("enforce", "")
    assert camera_liveness.camera_mode("flag") == ("flag", "")
    assert camera_liveness.camera_mode(None) == ("off", "")
    mode, problem = camera_liveness.camera_mode("on")
    assert mode == "enforce" and "'on'" in problem


# -------------------------------------------------------------------------------- without models


@pytest.fixture
def damaged_models(tmp_path):
    """The right file names, one of them cut short: the sha256 check must refuse it."""
    directory = tmp_path / "models"
    directory.mkdir()
    for name in ("minifasnet_v2.onnx", "minifasnet_v1se.onnx"):
        shutil.copy(os.path.join(MODELS, name), directory / name)
    data = (directory / "minifasnet_v2.onnx").read_bytes()
    (directory / "minifasnet_v2.onnx").write_bytes(data[: len(data) // 2])
    yield str(directory)
    forget_checkers()


@pytest.mark.parametrize("where", ["unset", "empty directory", "damaged files"])
def test_without_models_liveness_is_unavailable_never_live(
    encoder, gallery, real_frames, tmp_path, damaged_models, where, caplog
):
    models_dir = {"unset": "", "empty directory": str(tmp_path), "damaged files": damaged_models}[where]
    with caplog.at_level(logging.WARNING, logger="face_attendance_daemon.camera_liveness"):
        enforced, pipeline = run(encoder, gallery, real_frames, "enforce", models_dir)
        # A second person later on the same camera: still no second warning.
        play(pipeline, real_frames, start=1_700_000_100.0)
    assert len(enforced) == 2
    for event in enforced:
        assert event["liveness"] == "unavailable" and event["liveness_score"] is None
    warnings = [r for r in caplog.records if r.getMessage().startswith("liveness unavailable")]
    assert len(warnings) == 1 and warnings[0].camera_id == 5 and warnings[0].reason
    flagged, _ = run(encoder, gallery, real_frames, "flag", models_dir)
    assert "liveness" not in flagged[0] and "liveness_score" in flagged[0] and flagged[0]["liveness_score"] is None


def test_only_the_frames_a_decision_rests_on_are_scored(real_frames, attack_frames, models):
    checker, _ = checker_status(models)
    box_real = get_encoder("sface").detect(real_frames[0])[0].box
    box_attack = get_encoder("sface").detect(attack_frames[0])[0].box
    observations = [
        Observation(PERSON, 0.3, 0.8, 0.0, 1, box_real, real_frames[0]),
        Observation(PERSON, 0.3, 0.8, 0.1, 2, box_attack, None),  # left the window: not scored
        Observation(PERSON, 0.3, 0.8, 0.2, 3, box_real, real_frames[0]),
    ]
    result = camera_liveness.judge(checker, observations, 0.5)
    assert result.frames == 2 and result.verdict == "live"
    # A frame that cannot be scored (the box outside the image) is skipped, not fatal.
    outside = Observation(PERSON, 0.3, 0.8, 0.3, 4, (5000, 5000, 50, 50), real_frames[0])
    assert camera_liveness.judge(checker, [outside], 0.5).verdict == "unavailable"
    attack = [Observation(PERSON, 0.3, 0.8, 0.0, 1, box_attack, attack_frames[0])]
    assert camera_liveness.judge(checker, attack, 0.5).verdict == "spoof"
    assert camera_liveness.judge(None, attack, 0.5, "no directory").reason == "no directory"


def test_a_null_score_survives_the_outbox(tmp_path):
    box = Outbox(str(tmp_path / "o.sqlite3"))
    box.put({"event_id": "a", "camera_id": 5, "liveness_score": None, "liveness": "unavailable"})
    box.put({"event_id": "b", "camera_id": 5, "liveness_score": 0.97})
    assert [{k: e.get(k, "-") for k in ("liveness_score", "liveness")} for e in box.due(10)] == [
        {"liveness_score": None, "liveness": "unavailable"},
        {"liveness_score": 0.97, "liveness": "-"},
    ]
    box.close()


# -------------------------------------------------------------------------------- config and health


def _config_file(tmp_path, recognition=""):
    path = tmp_path / "d.toml"
    path.write_text('[odoo]\ndb = "d"\nlogin = "l"\npassword = "p"\n[recognition]\n' + recognition)
    return str(path)


def test_config_liveness_settings(tmp_path, models):
    config = load(_config_file(tmp_path), environ={})
    assert config.recognition.liveness_models == "" and config.recognition.liveness_threshold == 0.5
    config = load(_config_file(tmp_path), environ={"FA_LIVENESS_MODELS": models})
    assert config.recognition.liveness_models == models
    # The file (and FA_RECOGNITION_LIVENESS_MODELS) win over the engine's FA_LIVENESS_MODELS.
    config = load(
        _config_file(tmp_path, 'liveness_models = "%s"\nliveness_threshold = 0.7\n' % models),
        environ={"FA_LIVENESS_MODELS": str(tmp_path)},
    )
    assert (config.recognition.liveness_models, config.recognition.liveness_threshold) == (models, 0.7)
    with pytest.raises(ConfigError) as caught:
        load(
            _config_file(tmp_path, 'liveness_models = "/nonexistent/models"\nliveness_threshold = 1.5\n'),
            environ={},
        )
    assert "liveness_threshold must be between 0 and 1" in str(caught.value)
    assert "liveness_models (or FA_LIVENESS_MODELS): directory /nonexistent/models does not exist" in str(caught.value)
    with pytest.raises(ConfigError, match="FA_RECOGNITION_LIVENESS_THRESHOLD: expected float"):
        load(_config_file(tmp_path), environ={"FA_RECOGNITION_LIVENESS_THRESHOLD": "high"})


def test_health_shows_liveness_and_each_cameras_mode(tmp_path, encoder, gallery, models):
    def daemon_with(models_dir, modes, state):
        config = load(_config_file(tmp_path), environ={"FA_DAEMON_STATE_DIR": str(tmp_path / state)})
        config.recognition.liveness_models = models_dir
        daemon = Daemon(config, transport=object())
        for camera_id, mode in enumerate(modes, 1):
            pipeline = make_pipeline(encoder, gallery, mode, models_dir, camera_id=camera_id)
            pipeline.source = types.SimpleNamespace(stats=CameraStats())
            daemon.pipelines[camera_id] = pipeline
        return daemon

    daemon = daemon_with(str(tmp_path / "nothing-here"), ["enforce", "bogus", MISSING], "a")
    status = daemon.status()
    assert status["liveness"]["available"] is False and "missing" in status["liveness"]["reason"]
    assert [c["liveness"] for c in status["cameras"]] == ["enforce", "enforce", "off"]
    assert "bogus" in status["cameras"][1]["liveness_problem"]
    assert status["status"] == "degraded"  # liveness asked for and impossible
    assert "face_attendance_daemon_liveness_available 0" in prometheus(status)
    daemon.outbox.close()

    daemon = daemon_with(models, ["flag", MISSING], "b")
    status = daemon.status()
    assert status["liveness"] == {"available": True, "reason": "", "models": models, "threshold": 0.5}
    assert [c["liveness"] for c in status["cameras"]] == ["flag", "off"] and status["status"] == "ok"
    assert "face_attendance_daemon_liveness_available 1" in prometheus(status)
    daemon.outbox.close()
