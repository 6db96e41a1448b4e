from django.apps import AppConfig


class ProxyshopConfig(AppConfig):
    name = "proxyshop"
    verbose_name = "Proxy shop"
