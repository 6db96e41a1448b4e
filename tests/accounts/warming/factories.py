import factory

from accounts.models import Account, Proxy


class ProxyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proxy

    host = "127.0.0.1"
    port = factory.Sequence(lambda n: 20000 + n)
    username = factory.Sequence(lambda n: f"px{n}")
    password = "proxy-pass"
    country = "RU"
    provider = "sandbox"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    platform = "vk"
    login = factory.Sequence(lambda n: f"warm{n}@example.test")
    password = "account-pass"
    status = "active"
    proxy = factory.SubFactory(ProxyFactory)
