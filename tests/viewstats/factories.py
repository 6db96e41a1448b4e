import factory

from tests.factories import UserFactory
from viewstats.models import ViewTask


class ViewTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ViewTask

    user = factory.SubFactory(UserFactory)
    platform = "vk"
    post_key = factory.Sequence(lambda n: f"-1_{n + 1}")
    link = factory.LazyAttribute(lambda o: f"https://vk.com/wall{o.post_key}")
    status = "created"
