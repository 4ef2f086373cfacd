"""Covering index for balance counts: rule checks count a meeting's approved registrations from the index alone.

Revision ID: 87aa379d466f
Revises: db713c8521d0
Create Date: 2026-11-25 13:12:43.892591

"""
from alembic import op
import sqlalchemy as sa

import meeting_manager.models_base


# revision identifiers, used by Alembic.
revision = '87aa379d466f'
down_revision = 'db713c8521d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_meeting_status'))
        batch_op.create_index('ix_registrations_balance', ['meeting_id', 'status', 'category_id', 'represented_country', 'gender', 'delegation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_balance')
        batch_op.create_index(batch_op.f('ix_registrations_meeting_status'), ['meeting_id', 'status'], unique=False)

