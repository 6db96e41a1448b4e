from decimal import Decimal

import factory

from proxyshop.models import LedgerEntry, Product, Wallet


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    proxy_id = factory.Sequence(lambda n: 500000 + n)
    ip = factory.Sequence(lambda n: f"10.9.{n // 256 % 256}.{n % 256}")
    country = "United States"
    country_code = "US"
    city = "New York"
    isp = "AT&T"
    speed = 120
    type = "residential"


def fund(user, amount) -> Wallet:
    """Give `user` a balance through the ledger (a top-up entry), as the services would."""
    wallet, _ = Wallet.objects.get_or_create(user=user)
    amount = Decimal(str(amount))
    wallet.balance += amount
    wallet.save()
    LedgerEntry.objects.create(
        wallet=wallet, kind="topup", amount=amount, balance_after=wallet.balance, note="test"
    )
    return wallet
