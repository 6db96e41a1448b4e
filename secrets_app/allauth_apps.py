"""django-allauth's apps under names that say what they are here: its "Accounts" group sat in
the admin beside "Account fleet" (the social-network account fleet, a different thing)."""

from allauth.account.apps import AccountConfig
from allauth.socialaccount.apps import SocialAccountConfig


class LoginAccountConfig(AccountConfig):
    verbose_name = "Login: e-mail addresses"


class LoginSocialAccountConfig(SocialAccountConfig):
    verbose_name = "Login: GitHub and other providers"
