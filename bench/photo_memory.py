"""Peak memory of one photo upload, for the largest photo ``clean_photo`` accepts.

Run: ``.venv/bin/python bench/photo_memory.py``. Each case runs ``clean_photo`` in a fresh Python
process and that process reports its own peak resident set
(``getrusage(RUSAGE_SELF).ru_maxrss``): Pillow allocates pixels outside tracemalloc, so the RSS of
a separate process is the honest figure. Linux carries the high-water mark across fork and exec,
so this parent process stays small: it imports neither Django nor Pillow, and the test photos are
written by a child of their own. Cases: a small phone photo (the baseline), the largest
accepted PNG and JPEG (baseline and progressive) at exactly ``PHOTO_MAX_PIXELS``, WebP and images
with alpha at half of it (their own cap), and the 40 MP PNG of issue 9, which must be refused
before decoding; and four of the worst kind in one request, cleaned one after another as
``_attach_photos`` does (the issue measured about 1 GB for four). The child configures only the two photo settings (read from the project's
settings), so ``peak_mb`` is the interpreter, Pillow and the one upload; a web worker adds its own
fixed cost (Django and Wagtail loaded, about 140 MB) on top. ``upload_mb`` is the peak minus the
child's peak just before ``clean_photo`` runs.

The last line, ``ratio=<x>``, is the peak of the worst accepted single photo divided by the peak
of the small photo in the same run: how much more memory the largest photo we let in costs than an
ordinary one. ``peak_mb`` of that worst case is the figure to hold under about 150 MB.
"""

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

CHILD = r"""
import json, resource, sys
from django.conf import settings
settings.configure(PHOTO_MAX_PIXELS=int(sys.argv[2]), REQUEST_PHOTO_MAX_BYTES=int(sys.argv[3]), USE_I18N=False)
from django.core.files.uploadedfile import SimpleUploadedFile
from cms.services import ServiceError
from deliberation.services.photos import clean_photo
paths = sys.argv[1].split(",")
uploads = [SimpleUploadedFile(p.rsplit("/", 1)[-1], open(p, "rb").read()) for p in paths]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kept = []
try:
    for upload in uploads:  # as _attach_photos does: one photo at a time, the result kept
        kept.append(clean_photo(upload))
    result = "accepted %d bytes" % sum(out.size for out in kept)
except ServiceError as error:
    result = "refused: %s" % error.message
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"result": result, "setup_kb": before, "peak_kb": peak}))
"""


def _write_cases(folder: Path, cap: int) -> list[tuple[str, list[Path], bool]]:
    """Runs in its own process (``--write``): a 40 MP image must not raise the parent's peak."""
    from PIL import Image, ImageDraw

    side = math.isqrt(cap)
    half = math.isqrt(cap // 2)  # the cap for WebP and images with alpha
    cases = []

    def save(label, image, name, accepted, **options):
        # A few shapes so the encoders have something to do; memory depends on the size alone.
        draw = ImageDraw.Draw(image)
        for i in range(0, image.width, max(1, image.width // 16)):
            draw.line(
                (i, 0, image.width - i, image.height),
                fill=(200, 30, 30) if image.mode != "L" else 90,
                width=9,
            )
        path = folder / name
        image.save(path, **options)
        cases.append((label, [path], accepted))

    save(
        "small JPEG 1600x1200", Image.new("RGB", (1600, 1200), (120, 160, 200)), "small.jpg", True, quality=85
    )
    save(f"PNG RGBA {half}x{half}", Image.new("RGBA", (half, half), (120, 160, 200, 255)), "cap.png", True)
    save(f"PNG RGB {side}x{side}", Image.new("RGB", (side, side), (120, 160, 200)), "cap-rgb.png", True)
    save(f"WebP RGBA {half}x{half}", Image.new("RGBA", (half, half), (120, 160, 200, 255)), "cap.webp", True)
    save(f"WebP RGB {half}x{half}", Image.new("RGB", (half, half), (120, 160, 200)), "cap-rgb.webp", True)
    save(f"PNG RGBA {side}x{side}", Image.new("RGBA", (side, side), (120, 160, 200, 255)), "over.png", False)
    save(f"JPEG {side}x{side}", Image.new("RGB", (side, side), (120, 160, 200)), "cap.jpg", True, quality=85)
    save(
        f"JPEG progressive 4:4:4 {side}x{side}",
        Image.new("RGB", (side, side), (120, 160, 200)),
        "cap-progressive.jpg",
        True,
        quality=85,
        progressive=True,
        subsampling=0,
    )
    cases.append(("4 x JPEG progressive in one request", [folder / "cap-progressive.jpg"] * 4, True))
    save("PNG RGBA 40 MP (issue 9)", Image.new("RGBA", (8000, 5000), (120, 160, 200, 255)), "bomb.png", False)
    return cases


def _measure(paths: list[Path], cap: int, max_bytes: int) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            ",".join(str(path) for path in paths),
            str(cap),
            str(max_bytes),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write(folder: str) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from deliberation.services.photos import max_photo_bytes, max_photo_pixels

    cap = max_photo_pixels()
    cases = _write_cases(Path(folder), cap)
    print(
        json.dumps(
            {
                "cap": cap,
                "bytes": max_photo_bytes(),
                "cases": [[a, [str(p) for p in b], c] for a, b, c in cases],
            }
        )
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="photo-bench-") as tmp:
        written = subprocess.run(
            [sys.executable, __file__, "--write", tmp], cwd=ROOT, capture_output=True, text=True, check=True
        )
        plan = json.loads(written.stdout.strip().splitlines()[-1])
        print(f"PHOTO_MAX_PIXELS={plan['cap']} REQUEST_PHOTO_MAX_BYTES={plan['bytes']}")
        cases = [(label, [Path(p) for p in paths], accepted) for label, paths, accepted in plan["cases"]]
        peaks = {}
        for label, paths, accepted in cases:
            got = _measure(paths, plan["cap"], plan["bytes"])
            peak_mb = got["peak_kb"] / 1024
            peaks[label] = (peak_mb, accepted and len(paths) == 1, got["result"])
            print(
                f"{label:<36} file={sum(p.stat().st_size for p in paths) / 1024:8.0f} KB  setup_mb={got['setup_kb'] / 1024:6.1f}"
                f"  peak_mb={peak_mb:6.1f}  upload_mb={peak_mb - got['setup_kb'] / 1024:6.1f}  {got['result'][:40]}"
            )
            if got["result"].startswith("accepted") != accepted:
                sys.exit(f"unexpected result for {label}: {got['result']}")
    small = peaks["small JPEG 1600x1200"][0]
    worst_label, (worst, _, _) = max(
        ((label, value) for label, value in peaks.items() if value[1]), key=lambda item: item[1][0]
    )
    four = peaks["4 x JPEG progressive in one request"][0]
    print(f"four largest photos in one request: peak_mb={four:.1f}")
    print(f"largest accepted photo: {worst_label}  peak_mb={worst:.1f}  (small photo: {small:.1f})")
    print(f"ratio={worst / small:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        _write(sys.argv[2])
    else:
        main()
