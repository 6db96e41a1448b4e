"""The admin says what it is and names things correctly: branded, plurals spelt right, allauth's
login models apart from the account fleet."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def test_every_models_plural_is_spelt_right():
    wrong = []
    for model in apps.get_models():
        singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
        if plural == singular or " " in singular and plural.split()[-1] == singular.split()[-1]:
            continue  # uncountable ("audit chain status", "clocked")
        sibilant = re.search(r"(s|x|z|ch|sh)$", singular) and not plural.endswith("es")
        consonant_y = re.search(r"[^aeiou]y$", singular) and not plural.endswith("ies")
        if sibilant or consonant_y:
            wrong.append(f"{model.__name__}: {plural}")
    assert wrong == []


def test_admin_is_branded_and_groups_are_apart(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    groups = {group["name"]: group for group in admin.site.get_app_list(request)}
    assert "Accounts" not in groups  # allauth's, beside "Account fleet"
    assert {"Account fleet", "Login: e-mail addresses"} <= set(groups)
    shop = [m["name"] for m in groups["Proxy shop"]["models"]]
    assert "Purchase batches" in shop
    assert admin.site.site_header == "Platform administration"
    assert admin.site.site_title == "Platform administration"


def test_admin_pages_show_the_brand(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Platform administration" in page and "Django administration" not in page
