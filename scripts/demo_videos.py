"""Demo videos for scripts/run.sh --demo, made from the demo persons' photos 4+ (never the
enrolment photos 1-3) and a stranger: var/demo/entry.mp4, exit.mp4 and both.mp4."""

import os
import sys

from face_attendance_daemon.tools.video import Walker, build_video

faces = os.environ["FA_FACES_DIR"]
out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def known(name, number):
    return os.path.join(faces, "known", name, "%s_%04d.jpg" % (name, number))


scenes = {
    # George W Bush, Hugo Chavez and Kofi Annan come in...
    "entry": [
        Walker(known("George_W_Bush", 4), 1, 4),
        Walker(known("Hugo_Chavez", 4), 5, 8),
        Walker(known("Kofi_Annan", 4), 9, 12),
        Walker(os.path.join(faces, "unknown", "Aaron_Pena_0001.jpg"), 13, 16),
    ],
    # ...and two of them leave.
    "exit": [Walker(known("George_W_Bush", 5), 3, 6), Walker(known("Hugo_Chavez", 5), 10, 13)],
    # The hall camera sees the others pass by.
    "both": [
        Walker(known("Jackie_Chan", 4), 1, 4),
        Walker(known("Winona_Ryder", 4), 5, 8),
        Walker(known("Gordon_Brown", 4), 9, 12),
    ],
}
for direction, walkers in scenes.items():
    path = os.path.join(out, "%s.mp4" % direction)
    if not os.path.exists(path):
        build_video(path, walkers, duration=18.0, fps=15)
        print("demo video %s" % path)
