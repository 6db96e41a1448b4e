from . import identity  # noqa: F401
