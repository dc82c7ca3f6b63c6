"""contact details, appointments, their messages and calendar feeds (issue 17)

- `contact_details`: a person's phone (E.164), email and postal address, one row per person;
- `contact_consent`: the reminder channels the person accepts (email, sms), from a date, withdrawable;
- `appointment`: a meeting with a counsellor (UTC times, kind, mode, status, attendance, revision);
- `appointment_message`: a convocation or reminder claimed once per (appointment, revision, kind, channel);
- `calendar_feed`: a counsellor's iCalendar subscription token (SHA-256), revocable.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 15:18:51.067511
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import parcours_engine.persistence.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_calendar_feed_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feed_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            "uq_calendar_feed_active",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "contact_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column(
            "recorded_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column(
            "withdrawn_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("withdrawn_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"], ["beneficiary.id"], name=op.f("fk_contact_consent_beneficiary_id_beneficiary")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_consent")),
    )
    with op.batch_alter_table("contact_consent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_consent_beneficiary_id"), ["beneficiary_id"], unique=False
        )
        batch_op.create_index(
            "uq_contact_consent_active",
            ["beneficiary_id", "channel"],
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )

    op.create_table(
        "contact_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address_line", sa.String(length=120), nullable=True),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=80), nullable=True),
        sa.Column("updated_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"], ["beneficiary.id"], name=op.f("fk_contact_details_beneficiary_id_beneficiary")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_details")),
        sa.UniqueConstraint("beneficiary_id", name=op.f("uq_contact_details_beneficiary_id")),
    )
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=True),
        sa.Column("structure_id", sa.Integer(), nullable=True),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("starts_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attendance", sa.String(length=20), nullable=True),
        sa.Column("cancel_reason", sa.String(length=32), nullable=True),
        sa.Column("revision", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"], ["beneficiary.id"], name=op.f("fk_appointment_beneficiary_id_beneficiary")
        ),
        sa.ForeignKeyConstraint(
            ["counsellor_id"], ["account.id"], name=op.f("fk_appointment_counsellor_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"], ["pathway.id"], name=op.f("fk_appointment_pathway_id_pathway")
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structure.id"], name=op.f("fk_appointment_structure_id_structure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appointment_beneficiary_starts", ["beneficiary_id", "starts_at"], unique=False
        )
        batch_op.create_index(
            "ix_appointment_counsellor_starts", ["counsellor_id", "starts_at"], unique=False
        )
        batch_op.create_index("ix_appointment_status_starts", ["status", "starts_at"], unique=False)

    op.create_table(
        "appointment_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("claimed_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_appointment_message_appointment_id_appointment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_message")),
        sa.UniqueConstraint(
            "appointment_id", "revision", "kind", "channel", name="uq_appointment_message_once"
        ),
    )
    with op.batch_alter_table("appointment_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_message_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index("ix_appointment_message_status", ["status", "attempts"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("appointment_message", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_message_status")
        batch_op.drop_index(batch_op.f("ix_appointment_message_appointment_id"))

    op.drop_table("appointment_message")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_status_starts")
        batch_op.drop_index("ix_appointment_counsellor_starts")
        batch_op.drop_index("ix_appointment_beneficiary_starts")

    op.drop_table("appointment")
    op.drop_table("contact_details")
    with op.batch_alter_table("contact_consent", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_contact_consent_active",
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_contact_consent_beneficiary_id"))

    op.drop_table("contact_consent")
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_calendar_feed_active",
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_calendar_feed_account_id"))

    op.drop_table("calendar_feed")
