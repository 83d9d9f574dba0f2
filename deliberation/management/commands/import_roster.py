"""Import a household roster (.xlsx) for a community, all-or-nothing, with a progress bar."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cms.models import CommunityPage
from deliberation.services.roster import RosterInvalid, roster_import


class Command(BaseCommand):
    help = "Import households and owners from an .xlsx roster made from the template."

    def add_arguments(self, parser):
        parser.add_argument("community", help="the community page's slug or id")
        parser.add_argument("file", type=Path)

    def handle(self, *args, community, file, **options):
        lookup = {"pk": int(community)} if community.isdigit() else {"slug": community}
        page = CommunityPage.objects.filter(**lookup).first()
        if page is None:
            raise CommandError(_("No community %(name)s.") % {"name": community})
        if not file.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": file})
        try:
            result = roster_import(community=page, data=file.read_bytes(), progress=self._progress)
        except RosterInvalid as invalid:
            for error in invalid.shown():
                self.stderr.write(
                    _("Row %(line)s: %(reasons)s") % {"line": error.line, "reasons": "; ".join(error.reasons)}
                )
            if invalid.errors[0].line == 0:
                raise CommandError(_("Nothing was imported.")) from None
            raise CommandError(
                _("%(count)s bad rows (%(shown)s listed); nothing was imported.")
                % {"count": invalid.total, "shown": len(invalid.shown())}
            ) from None
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Roster imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged households."
                )
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
            )
        )

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done == total else ""
        stream = self.stdout if self.stdout else sys.stdout
        stream.write(f"\r[{bar}] {done}/{total}", ending=end)
        stream.flush()
