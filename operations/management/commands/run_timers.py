import datetime as dt
import signal
import time

from celery.schedules import crontab, schedule
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from dataplatform.celery import app


class Command(BaseCommand):
    help = (
        "Embedded mode only: run the periodic tasks of CELERY_BEAT_SCHEDULE in this process, "
        "in place of Celery beat and a worker. Production runs `celery beat` and workers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="run every task once and stop")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between looks at the schedule")

    def handle(self, *args, once: bool, tick: float, **options) -> None:
        app.loader.import_default_modules()  # registers every app's tasks
        entries = dict(settings.CELERY_BEAT_SCHEDULE)
        last_run: dict[str, dt.datetime | None] = {name: None for name in entries}
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Timers: {', '.join(entries)}")
        while not stopping:
            for name, entry in entries.items():
                if last_run[name] is None or self._schedule(entry).is_due(last_run[name]).is_due:
                    self._run(name, entry)
                    last_run[name] = timezone.now()
            if once:
                return
            time.sleep(tick)

    @staticmethod
    def _schedule(entry: dict) -> schedule | crontab:
        sched = entry["schedule"]
        return sched if isinstance(sched, schedule | crontab) else schedule(sched)

    def _run(self, name: str, entry: dict) -> None:
        try:
            result = app.tasks[entry["task"]].apply(
                args=entry.get("args", ()), kwargs=entry.get("kwargs", {})
            )
            if result.failed():
                self.stderr.write(f"{name} failed: {result.result!r}")
        except Exception as exc:  # a failing timer must not stop the others
            self.stderr.write(f"{name} failed: {exc!r}")
