"""HTTPS enforcement from the security configuration (filled in by the secrets store work)."""


class HTTPSPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
