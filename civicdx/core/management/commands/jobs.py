"""civicdx jobs list|follow ID: background jobs, followed from the command line."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from civicdx.core.models import Job
from civicdx.core.selectors import job_status


class Command(BaseCommand):
    help = "バックグラウンドジョブの一覧と進み具合"
    requires_system_checks: list[str] = []  # a data command: no need to import every page first

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list")
        follow = sub.add_parser("follow")
        follow.add_argument("job_id")
        follow.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, **options):
        if options["action"] == "list":
            for job in Job.objects.all()[:30]:
                self.stdout.write(f"{job.pk}  {job.get_status_display():<4} {job.percent:3d}%  {job.title}  {job.message}")
            return
        while True:
            status = job_status(job_id=options["job_id"])
            bar = "#" * (status["percent"] // 4)
            sys.stderr.write(f"\r[{bar:<25}] {status['percent']:3d}% {status['message'][:60]:<60}")
            sys.stderr.flush()
            if status["status"] in (Job.Status.SUCCESSFUL, Job.Status.FAILED):
                sys.stderr.write("\n")
                self.stdout.write(f"{status['status_label']}: {status['message']}")
                if status["status"] == Job.Status.FAILED:
                    sys.exit(1)
                return
            time.sleep(options["interval"])
