"""Give a person a role that is not inside one community: property company staff or street officer.

Community roles (representative, committee member, community worker) are given by community
workers on the members page; this command is for the site administrator.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cms.models import StreetOfficePage
from deliberation.models import PropertyCompany, User
from deliberation.services.memberships import user_set_property_company, user_set_street_office


class Command(BaseCommand):
    help = "Make a user staff of a property company, or an officer of a street office."

    def add_arguments(self, parser):
        parser.add_argument("email")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--property-company", help="the company's name")
        group.add_argument("--street", help="the street office page's slug")
        group.add_argument("--clear", action="store_true", help="remove both roles")

    def handle(self, *args, email, property_company=None, street=None, clear=False, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(_("No account with the email %(email)s.") % {"email": email})
        if clear:
            user_set_property_company(user=user, company=None, by=None)
            user_set_street_office(user=user, street=None, by=None)
        elif property_company:
            company = PropertyCompany.objects.filter(name=property_company).first()
            if company is None:
                raise CommandError(_("No property company %(name)s.") % {"name": property_company})
            user_set_property_company(user=user, company=company, by=None)
        else:
            office = StreetOfficePage.objects.filter(slug=street).first()
            if office is None:
                raise CommandError(_("No street office %(name)s.") % {"name": street})
            user_set_street_office(user=user, street=office, by=None)
        self.stdout.write(self.style.SUCCESS(_("Done.")))
