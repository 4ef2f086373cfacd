"""Waiting-list offers and settings; a meeting's mail settings and own texts; a registration's title; the focal
point's notice choice; the outbox's sender name, reply-to and attachment recipes.

Revision ID: 18a0c0ffee01
Revises: dc21db72a8f9
Create Date: 2026-12-02 12:45:00

"""
from alembic import op
import sqlalchemy as sa

import meeting_manager.models_base

revision = '18a0c0ffee01'
down_revision = 'dc21db72a8f9'
branch_labels = None
depends_on = None

UTC = meeting_manager.models_base.UTCDateTime()


def upgrade():
    op.create_table(
        'waitlist_offers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Enum('open', 'accepted', 'declined', 'expired', 'withdrawn', name='offerstatus',
                                    native_enum=False, length=32), nullable=False),
        sa.Column('offered_at', UTC, nullable=False),
        sa.Column('expires_at', UTC, nullable=False),
        sa.Column('answered_at', UTC, nullable=True),
        sa.Column('organisers_told_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_waitlist_offers_meeting_id_meetings'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                                name=op.f('fk_waitlist_offers_registration_id_registrations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_offers')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_waitlist_offers_token_hash')),
    )
    with op.batch_alter_table('waitlist_offers') as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_offers_meeting_id'), ['meeting_id'])
        batch_op.create_index(batch_op.f('ix_waitlist_offers_registration_id'), ['registration_id'])
        batch_op.create_index(batch_op.f('ix_waitlist_offers_status'), ['status'])
    op.create_table(
        'waitlist_settings',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('offer_hours', sa.Integer(), nullable=False),
        sa.Column('organiser_notice', sa.Enum('each', 'digest', name='noticemode', native_enum=False, length=32),
                  nullable=False),
        sa.Column('last_digest_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_waitlist_settings_meeting_id_meetings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_waitlist_settings')),
    )
    op.create_table(
        'meeting_mail_settings',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('sender_name', sa.String(length=120), nullable=False),
        sa.Column('reply_to', sa.String(length=254), nullable=False),
        sa.Column('contact', sa.String(length=500), nullable=False),
        sa.Column('colour', sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_meeting_mail_settings_meeting_id_meetings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_meeting_mail_settings')),
    )
    op.create_table(
        'mail_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('template', sa.String(length=60), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_mail_texts_meeting_id_meetings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_texts')),
        sa.UniqueConstraint('meeting_id', 'template', 'locale', name=op.f('uq_mail_texts_meeting_id_template_locale')),
    )
    with op.batch_alter_table('mail_texts') as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_texts_meeting_id'), ['meeting_id'])
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=60), nullable=False, server_default=''))
    with op.batch_alter_table('delegations') as batch_op:
        batch_op.add_column(sa.Column('focal_notice', sa.String(length=10), nullable=False, server_default='each'))
        batch_op.add_column(sa.Column('focal_digest_at', UTC, nullable=True))
        batch_op.add_column(sa.Column('note_verbale_rejection', sa.String(length=500), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('outbox_messages') as batch_op:
        batch_op.add_column(sa.Column('sender_name', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('outbox_messages') as batch_op:
        batch_op.drop_column('attachments')
        batch_op.drop_column('reply_to')
        batch_op.drop_column('sender_name')
    with op.batch_alter_table('delegations') as batch_op:
        batch_op.drop_column('note_verbale_rejection')
        batch_op.drop_column('focal_digest_at')
        batch_op.drop_column('focal_notice')
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_column('title')
    op.drop_table('mail_texts')
    op.drop_table('meeting_mail_settings')
    op.drop_table('waitlist_settings')
    op.drop_table('waitlist_offers')
