"""`manage.py loadtest`: the viral photo through the real server, with an optional fault."""

from django.core.management.base import BaseCommand, CommandError

from config.loadtest import FAULTS, Plan, loadtest


class Command(BaseCommand):
    help = (
        "Serve the site with gunicorn (production profile) and a task worker on 127.0.0.1, "
        "have N logged-in clients POST to a bare view and then toggle their like of one "
        "photo, optionally with a fault mid-run, then verify every count, answer, event and "
        "notification. Needs PostgreSQL (DATABASE_URL); REDIS_URL recommended. Writes its "
        "own users and photo (load-<run>-N) into that database. --fault restart-postgres "
        "restarts the local cluster (pg_ctlcluster --skip-systemctl-redirect <version> main "
        "restart): every database on the machine is down for a few seconds; drop-connections "
        "terminates this database's connections only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clients", type=int, default=200)
        parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
        parser.add_argument(
            "--max-requests", type=int, default=100_000, help="at most this many per phase"
        )
        parser.add_argument("--web-workers", type=int, default=4)
        parser.add_argument("--web-threads", type=int, default=1)
        parser.add_argument("--fault", choices=FAULTS, default="none")
        parser.add_argument(
            "--page-share", type=float, default=0.05, help="share of page reads (0-1)"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="print only the JSON line")

    def handle(self, *args, **options) -> None:
        plan = Plan(
            clients=options["clients"],
            seconds=options["seconds"],
            max_requests=options["max_requests"],
            web_workers=options["web_workers"],
            web_threads=options["web_threads"],
            fault=options["fault"],
            page_share=options["page_share"],
            seed=options["seed"],
        )
        out = _JsonOnly(self.stdout) if options["json"] else self.stdout
        result = loadtest(plan, out)
        if result["problems"]:
            raise CommandError(f"{len(result['problems'])} invariant(s) broken.")


class _JsonOnly:
    """Passes on only the JSON line of the report."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        if text.startswith("{"):
            self.stream.write(text)
