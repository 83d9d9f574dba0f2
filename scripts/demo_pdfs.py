"""The three lobby PDFs for the demo meeting, written to a folder, with what `pdftotext` reads back.

Run after `make seed` (or `manage.py seed_demo`): `.venv/bin/python scripts/demo_pdfs.py [folder]`
(default: artifacts/pdfs). Prints, per PDF: its name, pages, size and the title found in its text.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from meetings import printing  # noqa: E402
from meetings.demo import live as demo_live  # noqa: E402
from meetings.models import Meeting, Resolution  # noqa: E402


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "artifacts" / "pdfs")
    folder.mkdir(parents=True, exist_ok=True)
    resolution = Resolution.objects.filter(community__slug="xingfu").select_related("meeting").first()
    live = Meeting.objects.get(title=demo_live.LIVE_TITLE)
    with translation.override("zh-hans"):
        papers = [
            ("meeting-notice.pdf", "会议通知", printing.meeting_notice_pdf(live)),
            ("resolution-notice.pdf", "决议公示", printing.resolution_notice_pdf(resolution)),
            ("minutes.pdf", "会议纪要", printing.minutes_pdf(resolution.meeting)),
        ]
    for name, title, content in papers:
        path = folder / name
        path.write_bytes(content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        pages = next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))
        found = "found" if title in text else "MISSING"
        print(f"{name}: pages={pages} size={len(content)} bytes title={title} ({found}) -> {path}")


if __name__ == "__main__":
    main()
