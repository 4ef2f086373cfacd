"""A job keeps the language of the person who started it, so that what it makes (a report) speaks theirs on any
worker. Jobs from before have none and speak the default language, as they did.

Revision ID: e9bd5a7198f7
Revises: c13a1e8f0b21
Create Date: 2026-12-03 12:03:24.879127

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e9bd5a7198f7'
down_revision = 'c13a1e8f0b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('locale')
