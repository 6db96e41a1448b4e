from . import (
    identity,  # noqa: F401
    kv,  # noqa: F401
)
