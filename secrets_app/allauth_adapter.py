from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from .models import Role


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """A first GitHub login creates a user with the default role `user`."""

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.role = Role.USER
        return user
