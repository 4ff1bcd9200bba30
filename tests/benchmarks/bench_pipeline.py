"""Frames per second and CPU per frame of the recognition pipeline, ours beside the baseline, and the
matching step alone against face_recognition.face_distance and the memory-bandwidth limit."""

import resource
import threading
import time

import cv2
import numpy as np

from face_attendance_daemon.engine import Gallery, get_encoder, identify_faces


def make_frame(size, photos):
    """A frame of ``size`` with the given photos pasted side by side, faces about 120 px wide."""
    width, height = size
    frame = np.full((height, width, 3), 110, np.uint8)
    side = 240 if height >= 720 else 200
    for index, path in enumerate(photos):
        photo = cv2.resize(cv2.imread(path), (side, side))
        x = 10 + index * (side + 10)
        y = (height - side) // 2
        frame[y : y + side, x : x + side] = photo
    return frame


def _measure(function, frame, seconds):
    function(frame)  # warm-up (model load, first allocation)
    frames, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall0 < seconds:
        function(frame)
        frames += 1
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        "fps": round(frames / wall, 2),
        "ms_per_frame": round(1000 * wall / frames, 1),
        "cpu_ms_per_frame": round(1000 * cpu / frames, 1),
        "frames": frames,
    }


def pipeline(faces_dir, known, log, seconds=3.0):
    import face_recognition
    from bench_accuracy import enrolled_gallery

    engine = get_encoder("sface")
    gallery = enrolled_gallery(engine, known)
    baseline_gallery = []
    people = sorted(known)
    photos = [known[p][3] for p in people[:3]]

    def ours(frame):
        return identify_faces(engine, frame, gallery, min_face_size=40)

    def baseline(frame):
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        boxes = face_recognition.face_locations(rgb, number_of_times_to_upsample=1, model="hog")
        vectors = face_recognition.face_encodings(rgb, known_face_locations=boxes)
        return (
            [face_recognition.face_distance(baseline_gallery, v) for v in vectors] if len(baseline_gallery) else vectors
        )

    for person in people:
        for path in known[person][:3]:
            image = face_recognition.load_image_file(path)
            encodings = face_recognition.face_encodings(image)
            if encodings:
                baseline_gallery.append(encodings[0])
    baseline_gallery = np.asarray(baseline_gallery)
    rows = []
    for size in ((640, 480), (1280, 720)):
        for count in (0, 1, 3):
            frame = make_frame(size, photos[:count])
            found = len(ours(frame))
            log("pipeline: %dx%d, %d face(s)" % (size[0], size[1], count))
            row = {
                "size": "%dx%d" % size,
                "faces": count,
                "faces_found": found,
                "ours": _measure(ours, frame, seconds),
                "baseline": _measure(baseline, frame, seconds),
            }
            row["speedup"] = round(row["ours"]["fps"] / row["baseline"]["fps"], 2) if row["baseline"]["fps"] else None
            rows.append(row)

    def baseline_of_a_thread():
        """The baseline with models of its own: face_recognition's module-level dlib models are not
        thread-safe (four threads sharing them crashed the process), so each camera thread loads
        its own, as a multi-camera baseline would have to. The same steps as ``baseline``."""
        import dlib
        import face_recognition_models

        detector = dlib.get_frontal_face_detector()
        # face_encodings' default model ("small"): the 5-point landmarks.
        predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
        encoder = dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())

        def run(frame):
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            vectors = [
                np.array(encoder.compute_face_descriptor(rgb, predictor(rgb, rect), 1)) for rect in detector(rgb, 1)
            ]
            return [face_recognition.face_distance(baseline_gallery, v) for v in vectors]

        return run

    log("pipeline: four cameras at once")
    four = {}
    # Ours: one engine shared by the four camera threads, as the daemon runs it (it lends its
    # OpenCV models one caller at a time).
    for label, functions in (("ours", [ours] * 4), ("baseline", [baseline_of_a_thread() for _ in range(4)])):
        frame = make_frame((640, 480), photos[:1])
        counts = [0, 0, 0, 0]
        stop = threading.Event()

        def camera(slot, stop=stop, functions=functions, frame=frame, counts=counts):
            while not stop.is_set():
                functions[slot](frame)
                counts[slot] += 1

        threads = [threading.Thread(target=camera, args=(slot,)) for slot in range(4)]
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for thread in threads:
            thread.start()
        time.sleep(seconds * 2)
        stop.set()
        for thread in threads:
            thread.join()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        total = sum(counts)
        four[label] = {
            "total_fps": round(total / wall, 2),
            "per_camera_fps": [round(c / wall, 2) for c in counts],
            "cpu_ms_per_frame": round(1000 * cpu / max(total, 1), 1),
            "cpu_utilisation": round(cpu / wall, 2),
        }
    return {
        "single_camera": rows,
        "four_cameras_640x480_1_face": four,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }


def _median_ms(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def copy_rate():
    """Bytes per second of a large memory copy: the ceiling for any scan of the gallery."""
    source = np.ones(256 * 1024 * 1024 // 8, dtype=np.float64)
    target = np.empty_like(source)
    best = min(_timed(lambda: np.copyto(target, source)) for _ in range(5))
    # A copy reads and writes every byte.
    return 2 * source.nbytes / best


def _timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def matching(log, sizes=(1_000, 10_000, 100_000), batch=32):
    import face_recognition

    encoder = get_encoder("sface")
    rng = np.random.default_rng(1)
    rate = copy_rate()
    rows = []
    for size in sizes:
        log("matching: gallery of %d" % size)
        vectors = rng.standard_normal((size, encoder.dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        gallery = Gallery(encoder)
        gallery.replace((i, i % 1000, v) for i, v in enumerate(vectors))
        queries = vectors[rng.integers(0, size, batch)] + 0.01
        repeat = 50 if size < 100_000 else 15
        single = _median_ms(lambda gallery=gallery, queries=queries: gallery.match(queries[0]), repeat)
        batched = _median_ms(lambda gallery=gallery, queries=queries: gallery.match_many(queries), repeat) / batch
        as_float64 = vectors.astype(np.float64)  # face_recognition works on float64 arrays
        baseline = _median_ms(
            lambda as_float64=as_float64, queries=queries: face_recognition.face_distance(
                as_float64, queries[0].astype(np.float64)
            ),
            repeat,
        )
        scanned = gallery._matrix.nbytes
        limit_ms = 1000 * scanned / rate
        rows.append(
            {
                "templates": size,
                "ours_single_ms": round(single, 3),
                "ours_batched_ms_per_query": round(batched, 4),
                "baseline_face_distance_ms": round(baseline, 3),
                "speedup_single": round(baseline / single, 1),
                "speedup_batched": round(baseline / batched, 1),
                "bytes_scanned": scanned,
                "bandwidth_limit_ms": round(limit_ms, 4),
                "single_vs_limit": round(single / limit_ms, 1),
            }
        )
    return {"copy_rate_gb_s": round(rate / 1e9, 2), "dimension": encoder.dimension, "batch": batch, "rows": rows}
