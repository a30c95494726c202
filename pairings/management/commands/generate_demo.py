import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pairings.demo import SCALES, generate, reset_domain
from programs.models import User

DEFAULT_PASSWORD = "Mentor-2026"


class Command(BaseCommand):
    help = "Generate deterministic demo or benchmark data: seed (Xian'an), city (Huzhou) or province."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="seed")
        parser.add_argument("--seed", type=int, default=2020, help="Random seed (same seed, same data)")
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="Date the data is generated as of (YYYY-MM-DD)"
        )
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password of the demo accounts")
        parser.add_argument("--reset", action="store_true", help="Delete all domain data first")
        parser.add_argument("--no-admin", action="store_true", help="Do not create the 'admin' superuser")

    def handle(self, *args, scale, seed, today, password, reset, no_admin, **options):
        started = time.monotonic()
        if reset:
            reset_domain()
        result = generate(
            scale, seed=seed, today=today or timezone.localdate(), password=password, log=self.progress(started)
        )
        if result["skipped"]:
            self.stdout.write(
                f"The {scale} data is already present (use --reset to build it again). "
                f"Demo accounts such as 'admin' use the password {password!r} unless it was changed."
            )
            return
        if not no_admin and not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.org", password)
            result["accounts"].insert(0, "admin")
        self.stdout.write(
            self.style.SUCCESS(
                f"{scale}: {result['pairings']:,} pairings in {time.monotonic() - started:.1f} s. "
                f"Log in as {', '.join(result['accounts'])} with the password {password!r}."
            )
        )
        if not result["accounts"]:
            raise CommandError("No accounts were created.")

    def progress(self, started):
        def log(message: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:6.1f} s] {message}")
            self.stdout.flush()

        return log
