from django.apps import AppConfig


class ViewstatsConfig(AppConfig):
    name = "viewstats"
    verbose_name = "View statistics"
