"""`manage.py check_ledgers`: every wallet's balance equals the sum of its ledger entries."""

from django.core.management.base import BaseCommand, CommandError

from proxyshop.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Prove balance = sum of ledger entries for every user; exit 1 if any differs."

    def handle(self, *args, **options):
        bad = ledger_mismatches()
        for row in bad:
            self.stderr.write(f"{row['user']}: balance {row['balance']} != entries {row['sum']}")
        if bad:
            raise CommandError(f"{len(bad)} wallet(s) disagree with their ledger.")
        self.stdout.write(self.style.SUCCESS("All ledgers balance."))
