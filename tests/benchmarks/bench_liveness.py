"""Liveness benchmark (scripts/benchmark.sh, after run.py): the engine's passive liveness on NUAA's
real and printed-photo frames (../shared/data/liveness), in ISO/IEC 30107-3 terms.

- APCER: share of attack presentations accepted (a printed photo taken for a live person);
  BPCER: share of bona fide presentations rejected (a live person refused).
- Per frame: each frame scored alone (face box: the sface detector's largest face), at the default
  threshold and over thresholds 0.05..0.95.
- Per attempt, with the K-of-M vote (engine.liveness.LivenessVote, K=3 of M=5): for each subject and
  kind, the frames in capture order (session, then picture number) are played as one camera's
  consecutive frames. An attempt starts with an empty vote and takes frames until the vote says LIVE
  (accepted) or SPOOF (rejected); the next attempt starts at the following frame. Frames left over
  without a decision are not an attempt (counted as "undecided"). Also, as a denser check, *sliding*
  attempts: one starting at every frame, run until a decision (they overlap, so they are not
  independent).
- Time per frame: detection alone (the baseline), liveness of the largest face, and both, p50/p95
  over every frame, repeated; the ratio liveness cost / detection cost.

Writes its JSON (test-artifacts/benchmarks-liveness.json) and its section of BENCHMARKS.md (replaced
in place when present, else appended), and prints the section.
"""

import argparse
import datetime
import glob
import json
import math
import os
import re
import subprocess
import sys
import time

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)

from face_attendance_daemon.engine import get_encoder, largest_face  # noqa: E402
from face_attendance_daemon.engine.liveness import (  # noqa: E402
    DEFAULT_K,
    DEFAULT_M,
    DEFAULT_THRESHOLD,
    ENV_MODEL_DIR,
    LIVE,
    SPOOF,
    LivenessVote,
    checker_status,
)

SECTION = "## 8. Liveness"
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]
GOAL_BPCER_ATTEMPT = 0.02


def frame_order(path):
    """Capture order: NUAA names are ID_glasses_position_session_picture.jpg (numbers)."""
    return tuple(int(part) for part in re.findall(r"\d+", os.path.basename(path)))


def load_sets(data_dir):
    """[(kind, label, [paths in capture order])]: 8 subjects of each kind, then the two sequences."""
    sets = []
    for kind in ("real", "attack"):
        for subject_dir in sorted(glob.glob(os.path.join(data_dir, kind, "*"))):
            paths = sorted(glob.glob(os.path.join(subject_dir, "*.jpg")), key=frame_order)
            if paths:
                sets.append((kind, os.path.basename(subject_dir), paths))
    for kind in ("real", "attack"):
        paths = sorted(glob.glob(os.path.join(data_dir, "sequences", kind, "*.jpg")), key=frame_order)
        if paths:
            sets.append((kind, "sequence", paths))
    return sets


def revision():
    """(short commit, whether the tree holds uncommitted changes), BENCHMARKS.md and artefacts aside."""
    git = ["git", "-C", ROOT]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    status = [*git, "status", "--porcelain", "--", ".", ":!BENCHMARKS.md", ":!test-artifacts"]
    return commit, bool(subprocess.run(status, capture_output=True, text=True).stdout.strip())


def machine(started_load, started_revision):
    from run import cpu_model

    cpu = cpu_model()
    commit, dirty = started_revision
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "opencv": cv2.__version__,
        "opencv_threads": cv2.getNumThreads(),
        "numpy": np.__version__,
        "commit": commit,
        "uncommitted_changes": dirty,
        "load_average_at_start": started_load,
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
    }


def score_frames(sets, encoder, checker):
    """Scores (None: no face found) of every frame, per set, in capture order."""
    scored = []
    for kind, label, paths in sets:
        values = []
        for path in paths:
            image = cv2.imread(path)
            face = largest_face(encoder.detect(image))
            values.append(None if face is None else checker.score(image, face.box))
        scored.append({"kind": kind, "label": label, "scores": values})
    return scored


def frame_rates(scored, threshold, labels=None):
    """Per-frame APCER and BPCER; a frame without a face is neither accepted nor a live person seen."""
    counts = {"real": [0, 0], "attack": [0, 0]}  # [presentations, accepted]
    for entry in scored:
        if labels is not None and entry["label"] not in labels:
            continue
        for value in entry["scores"]:
            counts[entry["kind"]][0] += 1
            counts[entry["kind"]][1] += value is not None and value >= threshold
    real, attack = counts["real"], counts["attack"]
    return {
        "threshold": threshold,
        "bona_fide": real[0],
        "bona_fide_rejected": real[0] - real[1],
        "bpcer": (real[0] - real[1]) / real[0] if real[0] else None,
        "attacks": attack[0],
        "attacks_accepted": attack[1],
        "apcer": attack[1] / attack[0] if attack[0] else None,
    }


def run_attempt(lives, start, k, m):
    """(decision, frames used) of the attempt starting at ``start``; decision None when undecided."""
    vote = LivenessVote(k, m)
    for offset, live in enumerate(lives[start:]):
        decision = vote.add("subject", live)
        if decision in (LIVE, SPOOF):
            return decision, offset + 1
    return None, len(lives) - start


def attempts(scored, threshold, k=DEFAULT_K, m=DEFAULT_M, labels=None):
    """Consecutive and sliding attempts (module docstring) of every set at ``threshold``."""
    out = {}
    for mode in ("consecutive", "sliding"):
        tally = {
            kind: {"attempts": 0, "live": 0, "spoof": 0, "undecided": 0, "frames": []} for kind in ("real", "attack")
        }
        for entry in scored:
            if labels is not None and entry["label"] not in labels:
                continue
            lives = [None if v is None else v >= threshold for v in entry["scores"]]
            t = tally[entry["kind"]]
            start = 0
            while start < len(lives):
                decision, used = run_attempt(lives, start, k, m)
                if decision is None:
                    t["undecided"] += 1
                else:
                    t["attempts"] += 1
                    t["live" if decision == LIVE else "spoof"] += 1
                    t["frames"].append(used)
                start += used if mode == "consecutive" else 1
                if mode == "consecutive" and decision is None:
                    break
        real, attack = tally["real"], tally["attack"]
        out[mode] = {
            "bona_fide_attempts": real["attempts"],
            "bona_fide_rejected": real["spoof"],
            "bpcer": real["spoof"] / real["attempts"] if real["attempts"] else None,
            "bona_fide_undecided": real["undecided"],
            "bona_fide_frames_to_decide_mean": round(float(np.mean(real["frames"])), 2) if real["frames"] else None,
            "attack_attempts": attack["attempts"],
            "attacks_accepted": attack["live"],
            "apcer": attack["live"] / attack["attempts"] if attack["attempts"] else None,
            "attack_undecided": attack["undecided"],
            "attack_frames_to_decide_mean": round(float(np.mean(attack["frames"])), 2) if attack["frames"] else None,
        }
    return out


def timings(sets, encoder, checker, repeat):
    """Milliseconds per frame of detection alone, of liveness of its largest face, and of both."""
    images = [cv2.imread(path) for kind, label, paths in sets if label != "sequence" for path in paths]
    for image in images[:5]:  # warm-up: models loaded, first allocations done
        face = largest_face(encoder.detect(image))
        checker.score(image, face.box)
        encoder.encode(image, face)
    detect, live, encode = [], [], []
    for _ in range(repeat):
        for image in images:
            t0 = time.perf_counter()
            face = largest_face(encoder.detect(image))
            t1 = time.perf_counter()
            if face is None:
                continue
            checker.score(image, face.box)
            t2 = time.perf_counter()
            encoder.encode(image, face)
            t3 = time.perf_counter()
            detect.append(t1 - t0)
            live.append(t2 - t1)
            encode.append(t3 - t2)
    detect, live, encode = (1000 * np.array(v) for v in (detect, live, encode))

    def pct(values):
        return {"p50": round(float(np.percentile(values, 50)), 2), "p95": round(float(np.percentile(values, 95)), 2)}

    result = {
        "frames": len(detect),
        "frame_size": "%dx%d" % (images[0].shape[1], images[0].shape[0]),
        "repeat": repeat,
        "detection": pct(detect),
        "liveness": pct(live),
        "detection_and_liveness": pct(detect + live),
        "detection_and_encoding": pct(detect + encode),
    }
    result["liveness_over_detection_p50"] = round(result["liveness"]["p50"] / result["detection"]["p50"], 2)
    result["with_liveness_over_detection_p50"] = round(
        result["detection_and_liveness"]["p50"] / result["detection"]["p50"], 2
    )
    return result


def _pct(value):
    return "-" if value is None else "%.1f%%" % (100 * value)


def _table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def markdown(results):
    m, t = results["machine"], results["timing"]
    commit = "`%s`%s" % (m["commit"], " %s" % results["dirty_note"] if m["uncommitted_changes"] else "")
    default = results["default"]
    out = [
        "%s (passive, engine/liveness.py)" % SECTION,
        "",
        "Run %s, commit %s, %s s; `tests/benchmarks/bench_liveness.py` (called by `scripts/benchmark.sh`). "
        "Machine: %s, %s cores (OpenCV %s, %s threads, NumPy %s); load average %s at the start, %s at the end."
        % (
            results["date"],
            commit,
            results["seconds"],
            m["cpu"],
            m["cores"],
            m["opencv"],
            m["opencv_threads"],
            m["numpy"],
            " / ".join(str(v) for v in m["load_average_at_start"]),
            " / ".join(str(v) for v in m["load_average_at_end"]),
        ),
        "",
        "Data: NUAA frames (`../shared/data/liveness`, 640x480 webcam), %d subjects x %d real frames and %d "
        "printed-photo attack frames, plus 30 consecutive frames of subject 0001 of each kind (the sequences). "
        'Models: MiniFASNetV2 + MiniFASNetV1SE (`../shared/data/models`), averaged "real" probability; face box: '
        "sface's detector (YuNet), largest face. ISO/IEC 30107-3 terms: **APCER** = attack presentations accepted, "
        "**BPCER** = bona fide (live) presentations rejected; one attack species (printed photo)."
        % (results["subjects"], results["frames_per_subject"], results["frames_per_subject"]),
        "",
        "Per frame at the default threshold %.2f (8 subjects, sequences left out): APCER %s (%d/%d), BPCER %s (%d/%d)."
        % (
            DEFAULT_THRESHOLD,
            _pct(default["apcer"]),
            default["attacks_accepted"],
            default["attacks"],
            _pct(default["bpcer"]),
            default["bona_fide_rejected"],
            default["bona_fide"],
        ),
        "",
    ]
    rows = [
        [
            s["label"],
            "%d/%d" % (s["real_accepted"], s["real"]),
            "%.3f" % s["real_min"],
            "%d/%d" % (s["attack_accepted"], s["attack"]),
            "%.3f" % s["attack_max"],
        ]
        for s in results["per_subject"]
    ]
    out += _table(
        ["subject", "real frames passed", "lowest real score", "attack frames accepted", "highest attack score"], rows
    )
    out += [
        "",
        "Per attempt, the K-of-M vote (K=%d of the last M=%d frames live: LIVE; M-K+1 refused: SPOOF). For each "
        "subject and kind the frames in capture order are one camera's consecutive frames; an attempt starts with "
        "an empty vote and ends at the first LIVE or SPOOF, the next one starts at the following frame; frames left "
        "without a decision are not an attempt. *Sliding*: an attempt starting at every frame (overlapping). "
        "Goal: 0 attacks accepted, at most %.0f%% of real attempts rejected."
        % (DEFAULT_K, DEFAULT_M, 100 * GOAL_BPCER_ATTEMPT),
        "",
    ]
    rows = []
    for label, per in results["attempts_default"].items():
        for mode in ("consecutive", "sliding"):
            a = per[mode]
            rows.append(
                [
                    label,
                    mode,
                    "%d/%d" % (a["attacks_accepted"], a["attack_attempts"]),
                    _pct(a["apcer"]),
                    "%d/%d" % (a["bona_fide_rejected"], a["bona_fide_attempts"]),
                    _pct(a["bpcer"]),
                    a["bona_fide_frames_to_decide_mean"],
                    a["attack_frames_to_decide_mean"],
                    "%d / %d" % (a["bona_fide_undecided"], a["attack_undecided"]),
                ]
            )
    out += _table(
        [
            "data",
            "attempts",
            "attacks accepted",
            "APCER",
            "real rejected",
            "BPCER",
            "frames to LIVE (real, mean)",
            "frames to SPOOF (attack, mean)",
            "undecided tails real / attack",
        ],
        rows,
    )
    out += [
        "",
        "Over thresholds (8 subjects; per attempt: consecutive attempts; default bold):",
        "",
    ]
    rows = []
    for frame, attempt in zip(results["curve"], results["curve_attempts"], strict=True):
        th = frame["threshold"]
        rows.append(
            [
                "**%.2f**" % th if th == DEFAULT_THRESHOLD else "%.2f" % th,
                _pct(frame["apcer"]),
                _pct(frame["bpcer"]),
                "%s (%d/%d)" % (_pct(attempt["apcer"]), attempt["attacks_accepted"], attempt["attack_attempts"]),
                "%s (%d/%d)" % (_pct(attempt["bpcer"]), attempt["bona_fide_rejected"], attempt["bona_fide_attempts"]),
            ]
        )
    out += _table(["threshold", "APCER per frame", "BPCER per frame", "APCER per attempt", "BPCER per attempt"], rows)
    out += [
        "",
        "Time per frame (%s, %d frames x %d passes, one thread calling; ms). Baseline: detection alone, measured "
        "in the same run on the same frames." % (t["frame_size"], t["frames"] // t["repeat"], t["repeat"]),
        "",
    ]
    rows = [
        [name, t[key]["p50"], t[key]["p95"], "%.2fx" % (t[key]["p50"] / t["detection"]["p50"])]
        for name, key in (
            ("detection (baseline)", "detection"),
            ("liveness of the largest face", "liveness"),
            ("detection + liveness", "detection_and_liveness"),
            ("detection + encoding (recognition, for scale)", "detection_and_encoding"),
        )
    ]
    out += _table(["step", "p50", "p95", "p50 / detection p50"], rows)
    out += ["", "Verdicts:", ""] + ["- " + line for line in results["verdicts"]] + [""]
    return "\n".join(out)


def upper95(failures, trials):
    """One-sided 95% upper bound of a rate seen as failures/trials (exact binomial, Clopper-Pearson)."""
    if not trials:
        return None
    low, high = failures / trials, 1.0
    for _ in range(60):
        p = (low + high) / 2
        cdf = sum(math.comb(trials, i) * p**i * (1 - p) ** (trials - i) for i in range(failures + 1))
        low, high = (p, high) if cdf > 0.05 else (low, p)
    return high


def verdicts(results):
    lines = []
    default = results["default"]
    lines.append(
        "Per frame at %.2f: APCER %s (95%% upper bound %s), BPCER %s: the real frames the vote has to absorb."
        % (
            DEFAULT_THRESHOLD,
            _pct(default["apcer"]),
            _pct(upper95(default["attacks_accepted"], default["attacks"])),
            _pct(default["bpcer"]),
        )
    )
    clean = [row for row in results["curve"] if row["attacks_accepted"] == 0]
    if clean:
        best = min(row["bpcer"] for row in clean)
        at = [row["threshold"] for row in clean if row["bpcer"] == best]
        highest = max(s["attack_max"] for s in results["per_subject"])
        lines.append(
            "Lowest per-frame BPCER with no attack frame accepted: %s at thresholds %.2f-%.2f (highest attack score "
            "%.3f). These attacks are one species (NUAA's printed photos, same camera): the margin says nothing of "
            "screens or better prints, so it is no reason to lower the threshold."
            % (_pct(best), at[0], at[-1], highest)
        )
    for label, per in results["attempts_default"].items():
        a = per["consecutive"]
        ok_attack = a["attacks_accepted"] == 0
        ok_real = a["bpcer"] is not None and a["bpcer"] <= GOAL_BPCER_ATTEMPT
        lines.append(
            "Per attempt (%s, consecutive): %d of %d attacks accepted (95%% upper bound %s), %s of real attempts "
            "rejected (%d of %d; upper bound %s): goal %s on these figures%s."
            % (
                label,
                a["attacks_accepted"],
                a["attack_attempts"],
                _pct(upper95(a["attacks_accepted"], a["attack_attempts"])),
                _pct(a["bpcer"]),
                a["bona_fide_rejected"],
                a["bona_fide_attempts"],
                _pct(upper95(a["bona_fide_rejected"], a["bona_fide_attempts"])),
                "met" if ok_attack and ok_real else "**not met**",
                "; too few attempts to show a 2% rate" if ok_real and a["bona_fide_attempts"] < 150 else "",
            )
        )
    t = results["timing"]
    lines.append(
        "Liveness costs %.2fx the detection per frame (p50 %.1f ms vs %.1f ms); a frame with both: p50 %.1f ms, "
        "p95 %.1f ms."
        % (
            t["liveness_over_detection_p50"],
            t["liveness"]["p50"],
            t["detection"]["p50"],
            t["detection_and_liveness"]["p50"],
            t["detection_and_liveness"]["p95"],
        )
    )
    return lines


def write_section(path, section):
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    start = text.find(SECTION)
    if start >= 0:
        following = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section.rstrip("\n") + "\n" + (text[following:] if following >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    with open(path, "w") as handle:
        handle.write(text)


def main():
    shared = os.path.join(ROOT, "..", "shared", "data")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("FA_LIVENESS_DATA") or os.path.join(shared, "liveness"))
    parser.add_argument("--models", default=os.environ.get(ENV_MODEL_DIR) or os.path.join(shared, "models"))
    parser.add_argument("--json", default=os.path.join(ROOT, "test-artifacts", "benchmarks-liveness.json"))
    parser.add_argument("--markdown", default=os.path.join(ROOT, "BENCHMARKS.md"), help="'' to leave it alone")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the frames for the timings")
    parser.add_argument(
        "--dirty-note", default="with uncommitted changes", help="said after the commit when the tree has changes"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    load = [round(v, 2) for v in os.getloadavg()]
    started_revision = revision()  # the code that runs is the code at the start

    def log(message):
        print("[%6.1fs] liveness: %s" % (time.perf_counter() - started, message), flush=True)

    checker, reason = checker_status(args.models)
    if checker is None:
        sys.exit("liveness models not usable in %s: %s (set %s)" % (args.models, reason, ENV_MODEL_DIR))
    sets = load_sets(args.data)
    subjects = [s for s in sets if s[1] != "sequence"]
    if not subjects:
        sys.exit("no liveness frames in %s (set FA_LIVENESS_DATA)" % args.data)
    encoder = get_encoder("sface")
    log("scoring %d frames" % sum(len(paths) for _kind, _label, paths in sets))
    scored = score_frames(sets, encoder, checker)
    labels = {s[1] for s in subjects}
    per_subject = []
    for label in sorted(labels):
        real = next(e["scores"] for e in scored if e["label"] == label and e["kind"] == "real")
        attack = next(e["scores"] for e in scored if e["label"] == label and e["kind"] == "attack")
        real_found = [v for v in real if v is not None]
        attack_found = [v for v in attack if v is not None]
        per_subject.append(
            {
                "label": label,
                "real": len(real),
                "real_accepted": sum(v >= DEFAULT_THRESHOLD for v in real_found),
                "real_no_face": len(real) - len(real_found),
                "real_min": min(real_found),
                "attack": len(attack),
                "attack_accepted": sum(v >= DEFAULT_THRESHOLD for v in attack_found),
                "attack_no_face": len(attack) - len(attack_found),
                "attack_max": max(attack_found),
            }
        )
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "dirty_note": args.dirty_note,
        "subjects": len(labels),
        "frames_per_subject": len(subjects[0][2]),
        "default": frame_rates(scored, DEFAULT_THRESHOLD, labels),
        "per_subject": per_subject,
        "curve": [frame_rates(scored, th, labels) for th in THRESHOLDS],
        "curve_attempts": [attempts(scored, th, labels=labels)["consecutive"] for th in THRESHOLDS],
        "attempts_default": {
            "8 subjects x 24": attempts(scored, DEFAULT_THRESHOLD, labels=labels),
            "sequences (0001, 30)": attempts(scored, DEFAULT_THRESHOLD, labels={"sequence"}),
        },
        "scores": scored,
    }
    log("timing (%d passes)" % args.repeat)
    results["timing"] = timings(sets, encoder, checker, args.repeat)
    results["machine"] = machine(load, started_revision)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["verdicts"] = verdicts(results)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump(results, handle, indent=1)
    section = markdown(results)
    if args.markdown:
        write_section(args.markdown, section)
    print(section)
    log("done: %s%s" % (args.json, " and " + args.markdown if args.markdown else ""))


if __name__ == "__main__":
    main()
