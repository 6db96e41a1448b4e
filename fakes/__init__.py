"""Fake outside services on 127.0.0.1 for tests and for `make run`'s demo (docs/upstream.md)."""
