from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from programs.models import Organization
from programs.services import create_hr_user


class Command(BaseCommand):
    help = "Create an HR staff account scoped to an organization's subtree."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--organization", required=True, help="Organization code")
        parser.add_argument("--password", help="Password (omit to create the account without one)")
        parser.add_argument("--email", default="")
        parser.add_argument("--no-admin", action="store_true", help="Do not give access to the admin site")

    def handle(self, *args, username, organization, password, email, no_admin, **options):
        try:
            org = Organization.objects.get(code=organization)
        except Organization.DoesNotExist as exc:
            raise CommandError(_("No organization has the code %(code)s.") % {"code": organization}) from exc
        try:
            user = create_hr_user(
                username=username, organization=org, password=password, email=email, admin_access=not no_admin
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("HR user %(user)s created for %(org)s and everything below it.") % {"user": user.username, "org": org}
            )
        )
