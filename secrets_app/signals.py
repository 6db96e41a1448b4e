from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import User
from .services.tokens import user_tokens_forget


@receiver(post_save, sender=User)
def forget_cached_tokens(sender, instance: User, created: bool, **kwargs) -> None:
    """A role or activity change must apply to cached token state at once."""
    if not created:
        user_tokens_forget(instance.pk)
