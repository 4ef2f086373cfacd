"""Offline check-in desk: the log of check-ins and badge hand-overs synced from desk devices (device id, device
time, outcome).

Revision ID: a17c0ff1e5d0
Revises: 5b1e0a11c0de
Create Date: 2026-12-02 12:40:00

"""
from alembic import op
import sqlalchemy as sa

import meeting_manager.models_base


# revision identifiers, used by Alembic.
revision = 'a17c0ff1e5d0'
down_revision = '5b1e0a11c0de'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offline_check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.Enum('check_in', 'hand_over', name='offlinekind', native_enum=False, length=32), nullable=False),
    sa.Column('method', sa.Enum('scan', 'search', 'manual', name='checkinmethod', native_enum=False, length=32), nullable=False),
    sa.Column('happened_at', meeting_manager.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('synced_at', meeting_manager.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('synced_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('recorded', 'already_in', 'conflict', name='offlineoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('attendance_id', sa.Integer(), nullable=True),
    sa.Column('badge_collection_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attendance_id'], ['attendances.id'], name=op.f('fk_offline_check_ins_attendance_id_attendances'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['badge_collection_id'], ['badge_collections.id'], name=op.f('fk_offline_check_ins_badge_collection_id_badge_collections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_offline_check_ins_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_offline_check_ins_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['synced_by_id'], ['users.id'], name=op.f('fk_offline_check_ins_synced_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_check_ins')),
    sa.UniqueConstraint('client_id', name=op.f('uq_offline_check_ins_client_id'))
    )
    with op.batch_alter_table('offline_check_ins', schema=None) as batch_op:
        batch_op.create_index('ix_offline_check_ins_meeting_outcome', ['meeting_id', 'outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_check_ins_registration_id'), ['registration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('offline_check_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offline_check_ins_registration_id'))
        batch_op.drop_index('ix_offline_check_ins_meeting_outcome')
    op.drop_table('offline_check_ins')
