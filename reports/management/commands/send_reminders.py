from datetime import date

from django.core.management.base import BaseCommand

from reports import reminders


class Command(BaseCommand):
    help = "Record every reminder due (each once per period) and e-mail the unsent ones, as the daily job does."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="scan as of this day (YYYY-MM-DD); default today")
        parser.add_argument("--no-email", action="store_true", help="record only; deliver later")

    def handle(self, *args, date=None, no_email=False, **options):
        recorded = reminders.record_reminders(date)
        for kind, counts in recorded.items():
            self.stdout.write(f"{kind}: {counts['due']} due, {counts['new']} new")
        if not no_email:
            self.stdout.write(f"{reminders.deliver_notifications()} e-mail(s) sent.")
