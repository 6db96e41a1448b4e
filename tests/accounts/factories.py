import factory

from accounts.models import Account, AccountStatus, Platform, Proxy


class ProxyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proxy

    host = "127.0.0.1"
    port = factory.Sequence(lambda n: 20000 + n)
    protocol = Proxy.Protocol.SOCKS5
    username = factory.Sequence(lambda n: f"puser{n}")
    password = "proxy-pass"
    country = "RU"
    provider = "acme"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    platform = Platform.VK
    login = factory.Sequence(lambda n: f"login{n}")
    password = "s3cret-pass"
    phone = "+79990000000"
    additional_data = factory.LazyFunction(lambda: {"token": "tok-123"})
    status = AccountStatus.ACTIVE
    tags = factory.LazyFunction(list)
