"""The platform's spine: what every domain app relies on (who is acting, the settings registry,
jobs and locks, the audit chain, encrypted fields, the HTTP middleware and the health check)."""
