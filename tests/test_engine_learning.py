"""Centroid matching, HR's corrections (negatives, look-alikes), and the pure rules of learning and
calibration; matching on real photos of the shared set."""

import glob
import os

import cv2
import numpy as np
import pytest

from face_attendance_daemon.engine import (
    Gallery,
    LearnPolicy,
    calibrate,
    frontal_score,
    get_encoder,
    largest_face,
    learn_refusal,
    pick_diverse,
)
from face_attendance_daemon.engine.calibrate import threshold_for_far

PEOPLE = [
    "Fernando_Henrique_Cardoso",
    "Eduardo_Duhalde",
    "Fernando_Gonzalez",
    "George_Clooney",
    "Carlos_Moya",
    "Kofi_Annan",
    "Hugo_Chavez",
    "Gordon_Brown",
]


@pytest.fixture(scope="module")
def sface():
    return get_encoder("sface")


@pytest.fixture(scope="module")
def vector(sface, faces_dir):
    cache = {}

    def encode(person, number=None):
        """The vector of a known person's photo, or of a stranger's (``number`` None: unknown/<person>_0001)."""
        key = (person, number)
        if key not in cache:
            if number is None:
                path = os.path.join(faces_dir, "unknown", "%s_0001.jpg" % person)
            else:
                path = os.path.join(faces_dir, "known", person, "%s_%04d.jpg" % (person, number))
            image = cv2.imread(path, cv2.IMREAD_COLOR)
            cache[key] = sface.encode(image, largest_face(sface.detect(image)))
        return cache[key]

    return encode


@pytest.fixture(scope="module")
def enrolled(vector):
    """Photos 1-3 of each person, as (template_key, person_key, vector)."""
    return [((person, n), person, vector(person, n)) for person in PEOPLE for n in (1, 2, 3)]


def _gallery(encoder, entries):
    gallery = Gallery(encoder)
    gallery.replace(entries)
    return gallery


# --- centroid matching ----------------------------------------------------------------------------


def test_centroid_finds_a_face_the_nearest_template_missed(sface, vector, enrolled):
    """Cardoso's 6th photo is 0.507 from his nearest enrolled photo (over the 0.50 threshold) but 0.424
    from the centroid of his three: he is recognised now, with his nearest photo named."""
    gallery = _gallery(sface, enrolled)
    probe = vector("Fernando_Henrique_Cardoso", 6)
    templates = np.stack([vector("Fernando_Henrique_Cardoso", n) for n in (1, 2, 3)])
    nearest_template = sface.distances(probe, templates)
    assert nearest_template.min() > sface.default_threshold
    match = gallery.match(probe)
    assert match.person_key == "Fernando_Henrique_Cardoso"
    assert match.refusal is None
    assert match.template_key == ("Fernando_Henrique_Cardoso", 1 + int(nearest_template.argmin()))
    persons, centroids = gallery.centroids()
    centroid = centroids[persons.index("Fernando_Henrique_Cardoso")]
    assert match.distance == pytest.approx(float(sface.distances(probe, centroid[None])[0]), abs=1e-6)
    assert match.distance < sface.default_threshold
    # sface's centroid is the renormalised mean.
    mean = templates.mean(axis=0)
    assert np.allclose(centroid, mean / np.linalg.norm(mean), atol=1e-6)
    assert np.linalg.norm(centroid) == pytest.approx(1.0, abs=1e-5)


def test_one_template_per_person_matches_as_the_nearest_template(sface, vector):
    entries = [(person, person, vector(person, 1)) for person in PEOPLE]
    gallery = _gallery(sface, entries)
    persons, centroids = gallery.centroids()
    for person, centroid in zip(persons, centroids, strict=True):
        assert np.array_equal(centroid, vector(person, 1))  # bit for bit
    matrix = np.stack([v for _t, _p, v in entries])
    probes = [vector(person, n) for person in PEOPLE for n in (2, 4, 5)]
    for probe, match in zip(probes, gallery.match_many(probes), strict=True):
        distances = sface.distances(probe, matrix)
        best = int(distances.argmin())
        assert match.distance == pytest.approx(float(distances[best]), abs=1e-6)
        expected = PEOPLE[best] if distances[best] <= sface.default_threshold else None
        assert (match.person_key, match.template_key) == (expected, expected)


def test_dlib_centroid_is_the_plain_mean():
    dlib = get_encoder("dlib")
    vectors = np.array([[1.0, 2.0], [3.0, 6.0]], dtype=np.float32)
    assert dlib.centroid(vectors).tolist() == [2.0, 4.0]
    assert dlib.centroid(vectors[:1]).tolist() == [1.0, 2.0]


def test_updates_keep_the_centroids_of_a_freshly_built_gallery(sface, vector, enrolled):
    gallery = Gallery(sface)
    for key, person, v in enrolled:
        gallery.upsert(key, person, v)
    gallery.upsert(("Kofi_Annan", 4), "Kofi_Annan", vector("Kofi_Annan", 4))  # a fourth photo
    gallery.upsert(("Gordon_Brown", 1), "Gordon_Brown", vector("Gordon_Brown", 5))  # a photo replaced
    gallery.upsert(("Hugo_Chavez", 3), "Carlos_Moya", vector("Hugo_Chavez", 3))  # moved to another person
    gallery.remove([("George_Clooney", n) for n in (1, 2, 3)] + [("Eduardo_Duhalde", 2), "never there"])
    final = {key: (person, v) for key, person, v in enrolled}
    final[("Kofi_Annan", 4)] = ("Kofi_Annan", vector("Kofi_Annan", 4))
    final[("Gordon_Brown", 1)] = ("Gordon_Brown", vector("Gordon_Brown", 5))
    final[("Hugo_Chavez", 3)] = ("Carlos_Moya", vector("Hugo_Chavez", 3))
    for key in [("George_Clooney", n) for n in (1, 2, 3)] + [("Eduardo_Duhalde", 2)]:
        del final[key]
    fresh = _gallery(sface, [(key, person, v) for key, (person, v) in final.items()])
    assert len(gallery) == len(fresh) == 21
    assert gallery.person_keys() == fresh.person_keys() == set(PEOPLE) - {"George_Clooney"}
    mine = dict(zip(*gallery.centroids(), strict=True))
    theirs = dict(zip(*fresh.centroids(), strict=True))
    assert mine.keys() == theirs.keys()
    for person in mine:
        assert np.allclose(mine[person], theirs[person], atol=1e-6), person
    probes = [vector(person, n) for person in PEOPLE for n in (4, 5, 6)]
    for a, b in zip(gallery.match_many(probes), fresh.match_many(probes), strict=True):
        assert (a.person_key, a.template_key) == (b.person_key, b.template_key)
        assert a.distance == pytest.approx(b.distance, abs=1e-6)
    gallery.remove(list(final))
    assert len(gallery) == 0 and gallery.person_keys() == set()
    assert gallery.match(probes[0]).person_key is None


# --- corrections: negatives and look-alikes --------------------------------------------------------


def test_a_negative_vetoes_its_person_only(sface, vector, enrolled):
    """Hugh Campbell, a stranger, is 0.550 from Carlos Moya's centroid: taken at a loose 0.6. Once HR
    said "not Carlos Moya" on that sighting, his face is refused, while Moya's own photos still match."""
    gallery = _gallery(sface, enrolled)
    stranger = vector("Hugh_Campbell")
    assert gallery.match(stranger, threshold=0.6).person_key == "Carlos_Moya"
    gallery.replace_negatives([(1, "Carlos_Moya", stranger)])
    refused = gallery.match(stranger, threshold=0.6)
    assert (refused.person_key, refused.template_key, refused.refusal) == (None, None, "negative")
    assert refused.distance == pytest.approx(0.550, abs=0.005)
    for n in (4, 5, 6):
        assert gallery.match(vector("Carlos_Moya", n)).person_key == "Carlos_Moya"
    # Under the threshold nobody was refused: no refusal given.
    assert gallery.match(stranger).refusal is None
    # A negative of another person changes nothing for Moya.
    gallery.replace_negatives([(1, "Kofi_Annan", stranger)])
    assert gallery.match(stranger, threshold=0.6).person_key == "Carlos_Moya"
    # Negatives of a person not in the gallery are ignored.
    gallery.replace_negatives([(1, "somebody gone", stranger)])
    assert gallery.match(stranger, threshold=0.6).person_key == "Carlos_Moya"


def test_a_long_negative_counts_as_its_unit_vector(sface, vector, enrolled):
    """A negative sent three times longer than the encoder's unit vectors would be nearer than any real
    face to everything on its side (a cosine distance of a long vector runs below 0): it is put back to
    unit length, and refuses exactly what the unit one does."""
    stranger = vector("Hugh_Campbell")
    unit, long = _gallery(sface, enrolled), _gallery(sface, enrolled)
    unit.replace_negatives([(1, "Carlos_Moya", stranger)])
    long.replace_negatives([(1, "Carlos_Moya", 3 * stranger)])
    probes = [vector("Carlos_Moya", n) for n in range(1, 7)] + [stranger]
    for probe in probes:
        a, b = unit.match(probe, threshold=0.6), long.match(probe, threshold=0.6)
        assert (a.person_key, a.refusal) == (b.person_key, b.refusal)
    assert long.match(vector("Carlos_Moya", 4)).person_key == "Carlos_Moya"


def test_a_vetoed_person_leaves_the_next_nearest_under_the_threshold(sface, vector, enrolled):
    gallery = _gallery(sface, enrolled)
    probe = vector("Kofi_Annan", 4)
    persons, centroids = gallery.centroids()
    distances = sface.distances(probe, centroids)
    order = np.argsort(distances)
    assert persons[order[0]] == "Kofi_Annan"
    runner_up, runner_up_distance = persons[order[1]], float(distances[order[1]])
    gallery.replace_negatives([("n1", "Kofi_Annan", probe)])  # HR: that very face was not Kofi Annan
    loose = gallery.match(probe, threshold=1.0)
    assert loose.person_key == runner_up and loose.refusal is None
    assert loose.distance == pytest.approx(runner_up_distance, abs=1e-6)
    strict = gallery.match(probe, threshold=runner_up_distance - 0.01)
    assert (strict.person_key, strict.refusal) == (None, "negative")
    # Batches agree with single matches.
    batch = gallery.match_many([probe, vector("Gordon_Brown", 4)], threshold=1.0)
    assert [m.person_key for m in batch] == [runner_up, "Gordon_Brown"]
    gallery.replace_negatives([])
    assert gallery.match(probe).person_key == "Kofi_Annan"


def test_a_lookalike_needs_the_margin(sface, vector, enrolled):
    """Fernando Gonzalez and George Clooney have the nearest centroids of the set (0.614)."""
    gallery = _gallery(sface, enrolled)
    probe = vector("Fernando_Gonzalez", 4)
    persons, centroids = gallery.centroids()
    distances = dict(zip(persons, sface.distances(probe, centroids).tolist(), strict=True))
    own = distances.pop("Fernando_Gonzalez")
    gap = min(distances.values()) - own  # how much nearer his own centroid is than anyone else's
    assert own <= sface.default_threshold and gap > 0.02
    gallery.set_lookalikes(["Fernando_Gonzalez", "George_Clooney"], gap + 0.01)
    refused = gallery.match(probe)
    assert (refused.person_key, refused.template_key, refused.refusal) == (None, None, "lookalike")
    assert refused.distance == pytest.approx(own, abs=1e-6)
    gallery.set_lookalikes(["Fernando_Gonzalez", "George_Clooney"], gap - 0.01)
    assert gallery.match(probe).person_key == "Fernando_Gonzalez"
    # Persons not flagged need no margin.
    gallery.set_lookalikes(["George_Clooney"], 1.0)
    assert gallery.match(probe).person_key == "Fernando_Gonzalez"
    # Alone in a gallery, a look-alike has nobody to be confused with.
    alone = _gallery(sface, [e for e in enrolled if e[1] == "Fernando_Gonzalez"])
    alone.set_lookalikes(["Fernando_Gonzalez"], 1.0)
    assert alone.match(probe).person_key == "Fernando_Gonzalez"


def test_encoders_bound_lookalikes_below_their_threshold_gaps():
    for name in ("sface", "dlib"):
        encoder = get_encoder(name)
        assert encoder.default_threshold < encoder.lookalike_distance < 1.2 * encoder.default_threshold


# --- frontal score ---------------------------------------------------------------------------------


def _frontal(encoder, image):
    return frontal_score(largest_face(encoder.detect(image)).landmarks)


def test_frontal_score_on_real_photos(sface, faces_dir):
    frontal = cv2.imread(os.path.join(faces_dir, "known", "Kofi_Annan", "Kofi_Annan_0006.jpg"))
    turned = cv2.imread(os.path.join(faces_dir, "known", "George_Clooney", "George_Clooney_0002.jpg"))
    assert _frontal(sface, frontal) > 0.9
    # A mirror image and a tilted head are as frontal.
    assert _frontal(sface, cv2.flip(frontal, 1)) > 0.9
    tilt = cv2.warpAffine(frontal, cv2.getRotationMatrix2D((125, 125), 20, 1.0), (250, 250))
    assert _frontal(sface, tilt) > 0.85
    # Clooney looks sideways (three-quarter profile): low, mirrored or not.
    assert _frontal(sface, turned) < 0.2
    assert _frontal(sface, cv2.flip(turned, 1)) < 0.2
    # Most news photos are roughly frontal.
    paths = sorted(glob.glob(os.path.join(faces_dir, "known", "*", "*_0001.jpg")))[:20]
    scores = [_frontal(sface, cv2.imread(p)) for p in paths]
    assert np.median(scores) > 0.7


def test_frontal_score_from_points():
    def points(nose_x):
        return np.array([[40, 50], [80, 50], [nose_x, 70], [45, 90], [75, 90]], dtype=np.float32)

    assert frontal_score(points(60)) == pytest.approx(1.0)
    assert frontal_score(points(70)) == pytest.approx(0.5)
    assert frontal_score(points(50)) == pytest.approx(0.5)
    assert frontal_score(points(80)) == pytest.approx(0.0)
    assert frontal_score(points(95)) == 0.0  # beyond the eye: profile
    assert frontal_score(None) is None
    # Rotating every point (a tilted head) changes nothing.
    angle = np.radians(30)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    assert frontal_score(points(70) @ rotation.T) == pytest.approx(0.5)


# --- learning rules --------------------------------------------------------------------------------

GOOD = dict(threshold=0.5, distance=0.2, face_size=120, sharpness=90.0, frontal=0.9, frames=5, liveness="live")


def test_learn_refusal_reasons():
    policy = LearnPolicy()
    assert learn_refusal(policy, **GOOD) is None
    assert learn_refusal(policy, **dict(GOOD, liveness=None)) is None  # not checked
    cases = [
        ("distance", dict(distance=0.31)),  # 0.6 * 0.5 = 0.30
        ("distance", dict(distance=None)),
        ("face_size", dict(face_size=79)),
        ("face_size", dict(face_size=None)),
        ("sharpness", dict(sharpness=39.9)),
        ("frontal", dict(frontal=0.49)),
        ("frontal", dict(frontal=None)),
        ("frames", dict(frames=2)),
        ("liveness", dict(liveness="spoof")),
        ("liveness", dict(liveness="unavailable")),
    ]
    for reason, change in cases:
        assert learn_refusal(policy, **dict(GOOD, **change)) == reason, change
    # The limits themselves pass.
    limits = dict(distance=0.3, face_size=80, sharpness=40.0, frontal=0.5, frames=3)
    assert learn_refusal(policy, **dict(GOOD, **limits)) is None
    # The first failing rule is named.
    assert learn_refusal(policy, **dict(GOOD, face_size=10, frames=1, liveness="spoof")) == "face_size"
    # A rule switched off (minimum 0) lets an unknown figure pass: dlib gives no frontal score.
    assert learn_refusal(LearnPolicy(min_frontal=0), **dict(GOOD, frontal=None)) is None
    assert learn_refusal(LearnPolicy(max_distance_ratio=0.3), **GOOD) == "distance"


def test_pick_diverse_keeps_the_cap_and_prefers_diversity(sface):
    def unit(*values):
        v = np.array(values + (0.0,) * (128 - len(values)), dtype=np.float32)
        return v / np.linalg.norm(v)

    enrolled = [unit(1, 0, 0)]
    learned = [("l-copy", unit(1, 0.001, 0))]  # nearly the enrolled photo
    candidates = [
        ("c-far", unit(0, 1, 0)),
        ("c-far-twin", unit(0.01, 1, 0)),  # nearly c-far
        ("c-other", unit(0, 0, 1)),
        ("c-mid", unit(1, 1, 0)),
    ]
    # Distances from the enrolled photo: c-far / c-other 1.0, c-mid 0.29, l-copy ~0.
    assert pick_diverse(sface, enrolled, learned, candidates, 2) == ["c-far", "c-other"]
    assert pick_diverse(sface, enrolled, learned, candidates, 3) == ["c-far", "c-other", "c-mid"]
    kept = pick_diverse(sface, enrolled, learned, candidates, 10)
    assert len(kept) == 5 and kept[-1] == "l-copy"
    assert set(kept) == {"l-copy", "c-far", "c-far-twin", "c-other", "c-mid"}
    assert pick_diverse(sface, enrolled, learned, candidates, 0) == []
    # A tie goes to the template already learned.
    assert pick_diverse(sface, enrolled, [("l-far", unit(0, 1, 0))], [("c-far", unit(0, 1, 0))], 1) == ["l-far"]
    # Nothing enrolled: the first learned one, then the farthest from it.
    assert pick_diverse(sface, [], [("a", unit(1, 0)), ("b", unit(1, 0.1))], [("c", unit(0, 1))], 2) == ["a", "c"]


# --- calibration -----------------------------------------------------------------------------------


def test_calibrate_on_a_hand_computed_example():
    result = calibrate([0.1, 0.2, 0.6], [0.3, 0.7, 0.9], threshold=0.5, target_far=0.0, bins=4, top=1.0)
    assert result["genuine_count"] == 3 and result["impostor_count"] == 3
    assert result["far"] == pytest.approx(1 / 3)  # 0.3 is accepted
    assert result["frr"] == pytest.approx(1 / 3)  # 0.6 is refused
    assert result["threshold_for_target"] == pytest.approx(0.2999)  # just under the nearest impostor
    assert result["histogram"] == {
        "edges": [0.0, 0.25, 0.5, 0.75, 1.0],
        "genuine": [2, 0, 1, 0],
        "impostor": [0, 1, 1, 1],
    }
    # One impostor in three allowed: just under the second one.
    assert calibrate([0.1], [0.3, 0.7, 0.9], 0.5, 1 / 3)["threshold_for_target"] == pytest.approx(0.6999)
    assert calibrate([0.1], [0.3, 0.7, 0.9], 0.5, 0.34)["threshold_for_target"] == pytest.approx(0.6999)
    # A threshold equal to a distance accepts it.
    exact = calibrate([0.5], [0.5], 0.5, 0.0)
    assert (exact["far"], exact["frr"]) == (1.0, 0.0)


def test_calibrate_without_data_and_defaults():
    empty = calibrate([], [], 0.5, 0.001)
    assert (empty["far"], empty["frr"], empty["threshold_for_target"]) == (None, None, None)
    assert empty["histogram"]["edges"][-1] == 0.5 and len(empty["histogram"]["genuine"]) == 40
    only_genuine = calibrate([0.2, 0.8, None, float("nan")], [], 0.5, 0.001, bins=2)
    assert only_genuine["genuine_count"] == 2 and only_genuine["frr"] == 0.5 and only_genuine["far"] is None
    # top defaults to the largest distance; beyond top counts in the last bin.
    assert only_genuine["histogram"]["edges"] == [0.0, 0.4, 0.8]
    clipped = calibrate([0.2, 3.0], [], 0.5, 0.001, bins=2, top=1.0)
    assert clipped["histogram"]["genuine"] == [1, 1]
    # Every impostor allowed: the largest impostor distance.
    assert threshold_for_far([0.3, 0.7], 1.0) == 0.7
    assert threshold_for_far([0.30005], 0.0) == pytest.approx(0.3)


@pytest.mark.parametrize("name", ["sface", "dlib"])
def test_centroids_in_one_pass_equal_one_by_one(name):
    encoder = get_encoder(name)
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(9, encoder.dimension)).astype(np.float32)
    starts = np.array([0, 1, 4, 9])
    together = encoder.centroids(vectors, starts)
    for i in range(3):
        assert np.allclose(together[i], encoder.centroid(vectors[starts[i] : starts[i + 1]]), atol=1e-6)
