"""Jobs count their runs: a run lost with its worker (its heartbeat stopped) is re-queued once.

Revision ID: 5c1e9a0b7d21
Revises: 0a7634f88b57
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e9a0b7d21'
down_revision = '0a7634f88b57'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('attempts')
