"""Sessions keep the id an imported file gave them, so that importing it again updates instead of copying

Revision ID: b18a9e3c5d2f
Revises: a17c0ff1e5d0
Create Date: 2026-12-02 13:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b18a9e3c5d2f'
down_revision = 'a17c0ff1e5d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_key', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_sessions_import_key'), ['import_key'], unique=False)


def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_import_key'))
        batch_op.drop_column('import_key')
