"""An account's language is the person's choice, or none (their browser decides): no more "en" by default.

Revision ID: 13a0e5e1ec7d
Revises: 18a0c0ffee01
Create Date: 2026-12-02 19:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '13a0e5e1ec7d'
down_revision = '18a0c0ffee01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.alter_column('locale', existing_type=sa.String(length=5), nullable=True)
    # Nobody could choose a language before: every "en" is the old default, not a choice.
    op.execute("UPDATE users SET locale = NULL WHERE locale = 'en'")


def downgrade():
    op.execute("UPDATE users SET locale = 'en' WHERE locale IS NULL")
    with op.batch_alter_table('users') as batch:
        batch.alter_column('locale', existing_type=sa.String(length=5), nullable=False)
