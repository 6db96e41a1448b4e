"""Settings of the secrets store (KV v2), in the settings registry."""

from core.registry import register

register(
    "secrets.default_max_versions",
    "int",
    10,
    "Versions kept per secret when the secret's own max_versions is 0 (Vault's default: 10).",
    min_value=1,
    max_value=1000,
)
register(
    "secrets.max_value_bytes",
    "int",
    512 * 1024,
    "Largest secret value accepted, in bytes of its JSON form.",
    min_value=1,
)
register(
    "secrets.wrap_default_ttl",
    "duration",
    3600,
    "TTL of a shared (wrapped) secret when the request names none.",
    min_value=1,
)
register(
    "secrets.wrap_max_ttl",
    "duration",
    7 * 86400,
    "Longest TTL a shared (wrapped) secret may have.",
    min_value=1,
)
register(
    "audit.durable_reads",
    "bool",
    False,
    "Commit the audit records of secret reads (reads, lists, metadata reads) durably, waiting "
    "for the database to flush them. Off (the default): they are committed without waiting, in "
    "order and in the hash chain like every record, but a crash of the database server itself "
    "can lose the last fraction of a second of read records (at most 3 x wal_writer_delay) - "
    "the durability of Vault's file audit device, which does not fsync. Records of writes, "
    "deletes, refusals and changes are always durable.",
)
