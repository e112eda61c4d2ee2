"""Moving every encrypted value to the newest data key (`flask privacy reencrypt`).

Works on every column of type EncryptedText in the schema, so columns added later (support
persons …) are covered without changes here. Values already under the newest key are left
alone, so the command can be run again, or stopped and restarted, at any time; a clear-text
value (from before encryption) is encrypted. Each batch is committed on its own, and a row
changed by the app meanwhile is skipped (its new value is already under the newest key).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, Text, literal, type_coerce

from scheduler import crypto
from scheduler.dbtypes import EncryptedText
from scheduler.extensions import db

BATCH = 500


def encrypted_columns() -> dict[Table, list[Any]]:
    found: dict[Table, list[Any]] = {}
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, EncryptedText)]
        if columns:
            found[table] = columns
    return found


def reencrypt_all(batch: int = BATCH) -> int:
    """Re-encrypt every value not yet under the newest key; returns how many were changed."""
    changed = 0
    for table, columns in encrypted_columns().items():
        changed += _reencrypt_table(table, columns, batch)
    return changed


def _reencrypt_table(table: Table, columns: list[Any], batch: int) -> int:
    [key] = table.primary_key.columns  # every table with encrypted data has one id column
    raw = [type_coerce(column, Text) for column in columns]  # the stored text, not decrypted
    changed = 0
    last: Any = None
    while True:
        query = db.select(key, *raw).order_by(key).limit(batch)
        if last is not None:
            query = query.where(key > last)
        rows = db.session.execute(query).all()
        if not rows:
            break
        for row in rows:
            old = dict(zip(columns, row[1:], strict=True))
            new = {
                column: crypto.reencrypt(value)
                for column, value in old.items()
                if value and not crypto.is_under_newest_key(value)
            }
            if not new:
                continue
            result = db.session.execute(
                db.update(table)
                .where(key == row[0], *(type_coerce(c, Text) == old[c] for c in new))
                .values({column.name: literal(value, Text()) for column, value in new.items()})
            )
            changed += len(new) if result.rowcount else 0
        db.session.commit()
        last = rows[-1][0]
    return changed
