from django.core.management.base import BaseCommand

from reports import outbox


class Command(BaseCommand):
    help = "Publish the jobs waiting in the outbox (recorded while the broker was down); the beat sweep does the same."

    def handle(self, *args, **options):
        published = outbox.sweep()
        self.stdout.write(f"{published} job(s) published.")
