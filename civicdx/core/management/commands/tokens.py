"""civicdx tokens create USERNAME [--name NAME]: an API token (printed once; only its hash is stored)."""

from django.core.management.base import BaseCommand, CommandError

from civicdx.core.models import User
from civicdx.core.services import api_token_create


class Command(BaseCommand):
    help = "REST API のトークンを発行する"
    requires_system_checks: list[str] = []  # a data command: no need to import every page first

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"ユーザー「{options['username']}」がいません。")
        self.stdout.write(api_token_create(actor=user, user=user, name=options["name"]))
