"""The admin in a browser: branded index with its groups, and one change form per domain."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from accounts.models import Account
from tests.accounts.factories import AccountFactory
from tests.factories import UserFactory
from tests.proxyshop.factories import ProductFactory
from tests.viewstats.factories import ViewTaskFactory
from viewstats.models import ViewTask

from .conftest import log_in

SAVED = re.compile("was changed successfully")


def test_admin_index_is_branded_and_grouped(page, admin):
    log_in(page, "boss", next_url="/admin/")
    expect(page).to_have_title(re.compile("Platform administration"))
    expect(page.locator("#site-name")).to_have_text("Platform administration")
    captions = page.locator("#content-main caption")
    expect(captions.filter(has_text=re.compile(r"^\s*Account fleet\s*$"))).to_have_count(1)
    expect(captions.filter(has_text=re.compile(r"^\s*Accounts\s*$"))).to_have_count(0)
    expect(captions.filter(has_text="Login: e-mail addresses")).to_have_count(1)
    expect(page.get_by_role("link", name="Purchase batches", exact=True)).to_be_visible()


def test_one_change_form_per_domain(page, admin):
    user = UserFactory(username="dora", email="dora@old.test")
    account = AccountFactory(login="fleet-one")
    product = ProductFactory(city="Leeds")
    task = ViewTaskFactory(user=user, status="done")
    log_in(page, "boss", next_url="/admin/")

    # identity and secrets: a user's e-mail
    page.goto(f"/admin/secrets_app/user/{user.pk}/change/")
    page.get_by_label("Email address").fill("dora@new.test")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(SAVED)
    user.refresh_from_db()
    assert user.email == "dora@new.test"

    # account fleet: an account's tags (through the service that records the change)
    page.goto(f"/admin/accounts/account/{account.pk}/change/")
    page.get_by_label("Tags").fill('["vip", "warm"]')
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(SAVED)
    assert Account.objects.get(pk=account.pk).tags == ["vip", "warm"]

    # proxy shop: products come from the provider, so their form is read-only
    page.goto(f"/admin/proxyshop/product/{product.pk}/change/")
    expect(page.locator("#content h1")).to_have_text("View product")
    expect(page.locator(".field-city")).to_contain_text("Leeds")

    # view statistics: a task's own re-collection interval (seconds)
    page.goto(f"/admin/viewstats/viewtask/{task.pk}/change/")
    page.get_by_label("Recollect interval").fill("7200")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(SAVED)
    assert ViewTask.objects.get(pk=task.pk).recollect_interval == 7200
