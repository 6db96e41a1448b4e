from django.apps import AppConfig


class GrpcApiConfig(AppConfig):
    name = "grpcapi"
    verbose_name = "gRPC interface"
