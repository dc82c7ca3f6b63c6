"""sessions the server can end, API tokens that expire, throttles per account and per address

- `account.session_generation` and `portal_access.session_generation`: a session cookie carries the
  generation it was opened in; bumping it ends every session of the account (or of the person).
- `api_token`: several tokens per account, each with an expiry, listed and revocable. The token an
  account had (`account.api_token_hash`) moves there, expiring 90 days after this migration.
- `throttle` replaces `login_throttle` (per username and address) with one counter per scope and key:
  a username whatever the address, an address whatever the username, the portal's and the API's
  addresses. The old counters are dropped (a lock of 15 minutes at most is lost).
- `portal_access` loses its per-person lock (`failures`, `last_failure_at`, `locked_until`).
- `health_check`: the row `/healthz` writes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 21:30:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import parcours_engine.persistence.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UTC_DATETIME = parcours_engine.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.Column("revoked_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_api_token_account_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_account_id"), ["account_id"], unique=False)
    _move_tokens()
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.drop_constraint(batch_op.f("uq_account_api_token_hash"), type_="unique")
        batch_op.drop_column("api_token_hash")

    op.drop_table("login_throttle")
    op.create_table(
        "throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UTC_DATETIME, nullable=True),
        sa.Column("locked_until", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle")),
        sa.UniqueConstraint("scope", "key", name="uq_throttle_scope_key"),
    )
    with op.batch_alter_table("portal_access", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.drop_column("failures")
        batch_op.drop_column("last_failure_at")
        batch_op.drop_column("locked_until")
    op.create_table(
        "health_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_check")),
    )


def _move_tokens() -> None:
    """Each account's token becomes a row of `api_token`, expiring 90 days from now."""
    now = datetime.now(UTC)
    account = sa.table("account", sa.column("id", sa.Integer()), sa.column("api_token_hash", sa.String()))
    token = sa.table(
        "api_token",
        sa.column("account_id", sa.Integer()),
        sa.column("token_hash", sa.String()),
        sa.column("label", sa.String()),
        sa.column("created_at", UTC_DATETIME),
        sa.column("created_by", sa.String()),
        sa.column("expires_at", UTC_DATETIME),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(account.c.id, account.c.api_token_hash).where(account.c.api_token_hash.is_not(None))
    )
    moved = [
        {
            "account_id": account_id,
            "token_hash": token_hash,
            "label": "jeton antérieur",
            "created_at": now,
            "created_by": "migration",
            "expires_at": now + timedelta(days=90),
        }
        for account_id, token_hash in rows
    ]
    if moved:
        bind.execute(sa.insert(token), moved)


def downgrade() -> None:
    op.drop_table("health_check")
    with op.batch_alter_table("portal_access", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_until", UTC_DATETIME, nullable=True))
        batch_op.add_column(sa.Column("last_failure_at", UTC_DATETIME, nullable=True))
        batch_op.add_column(sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch_op.drop_column("session_generation")
    op.drop_table("throttle")
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UTC_DATETIME, nullable=True),
        sa.Column("locked_until", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("username", "address", name="uq_login_throttle_username_address"),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_account_api_token_hash"), ["api_token_hash"])
        batch_op.drop_column("session_generation")
    # Tokens do not move back: each account issues a new one (`parcours-engine users token`).
    op.drop_table("api_token")
