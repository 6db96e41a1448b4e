"""PostgreSQL as in production, except how the suite empties the database between tests.

Django's flush after every transactional test is one `TRUNCATE` of every table: each table and
index gets a new file, which costs about a second per test on a loaded 2-core machine. The
tables hold a few rows by then, so deleting them is far cheaper; Django's foreign keys are
`DEFERRABLE INITIALLY DEFERRED`, so the order of the deletes does not matter inside the flush's
transaction. Everything else (locks, constraints, isolation) is the stock backend.
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"DELETE FROM {self.quote_name(table)};" for table in tables
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
