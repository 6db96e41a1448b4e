"""Demo data of the secrets store for `make run`: a few secrets and a policy. Idempotent."""

from __future__ import annotations

from .models import Secret, User
from .services import kv
from .services.policies import policy_save

DEMO_SECRETS = {
    "demo/db/password": {"username": "app", "password": "demo-only-password"},
    "demo/api/stripe-key": "sk_test_demo_0000",
    "demo/ops/ssh-note": "rotate monthly",
}


def seed(stdout) -> None:
    admin = User.objects.filter(role="admin").order_by("id").first()
    if admin is None:
        return
    policy_save(
        name="demo-readers",
        description="Read and list everything under demo/ except demo/ops/.",
        rules=[
            {"path": "demo/*", "capabilities": ["read", "list"]},
            {"path": "demo/ops/*", "capabilities": ["deny"]},
        ],
        roles=["operator"],
        actor=admin,
    )
    created = 0
    for path, value in DEMO_SECRETS.items():
        if not Secret.objects.filter(path=path).exists():
            kv.secret_write(
                path=path, value=value, metadata={"demo": "yes"}, user=admin, context=None
            )
            created += 1
    stdout.write(f"secrets: {created} demo secrets created, policy 'demo-readers' in place")
