from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import ApiClient, Token, User
from .services.tokens import user_tokens_forget
from .services.tokens.common import token_state_forget


@receiver(post_save, sender=User)
def forget_cached_tokens(sender, instance: User, created: bool, **kwargs) -> None:
    """A role or activity change must apply to cached token state at once."""
    if not created:
        user_tokens_forget(instance.pk)


@receiver(post_save, sender=ApiClient)
def forget_client_tokens(sender, instance: ApiClient, created: bool, **kwargs) -> None:
    """A client deactivated or narrowed limits its tokens at once (they re-read the client)."""
    if not created:
        digests = list(
            Token.objects.filter(client=instance, revoked_at__isnull=True).values_list(
                "token_hash", flat=True
            )
        )
        token_state_forget(digests, tombstone=False)
