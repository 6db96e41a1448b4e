"""django-allauth hooks: the role of users created by a social login, and the GitHub URLs."""

from __future__ import annotations

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .models import Role


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """A first GitHub login creates a user with the default role `user`."""

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.role = Role.USER
        return user


def github_urls_apply() -> None:
    """Point allauth's GitHub adapter at `SOCIALACCOUNT_PROVIDERS["github"]["GITHUB_URL"]`.

    allauth computes these URLs once, when its module is imported; re-applying them when the
    setting changes lets a test (or a settings override) aim the whole OAuth flow at a local
    GitHub Enterprise fake."""
    from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter

    web_url = (settings.SOCIALACCOUNT_PROVIDERS.get("github", {}).get("GITHUB_URL") or "").rstrip(
        "/"
    )
    api_url = f"{web_url}/api/v3" if web_url else "https://api.github.com"
    web_url = web_url or "https://github.com"
    GitHubOAuth2Adapter.web_url = web_url
    GitHubOAuth2Adapter.api_url = api_url
    GitHubOAuth2Adapter.access_token_url = f"{web_url}/login/oauth/access_token"
    GitHubOAuth2Adapter.authorize_url = f"{web_url}/login/oauth/authorize"
    GitHubOAuth2Adapter.profile_url = f"{api_url}/user"
    GitHubOAuth2Adapter.emails_url = f"{api_url}/user/emails"


@receiver(setting_changed)
def _github_setting_changed(*, setting: str, **kwargs) -> None:
    if setting == "SOCIALACCOUNT_PROVIDERS":
        github_urls_apply()
