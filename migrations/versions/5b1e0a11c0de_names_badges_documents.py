"""Names, badges and documents: name order, passport name and Latin form of a registration; replaced badge tokens;
the private calendar feed token; the visa letter's address line, verification token and the meeting's signatory.

Existing names are migrated: the order is family first where the name is in Chinese, Japanese or Korean script or
the nationality usually writes it so (names.default_order); the passport name starts as the whole name in that order
(names.render_name for salutations), so that visa letters already issued keep reading the same name.

Revision ID: 5b1e0a11c0de
Revises: 5c1e9a0b7d21
Create Date: 2026-12-01 23:40:00

"""
from alembic import op
import sqlalchemy as sa

import meeting_manager.models_base


# revision identifiers, used by Alembic.
revision = '5b1e0a11c0de'
down_revision = '5c1e9a0b7d21'
branch_labels = None
depends_on = None

NAME_ORDER = sa.Enum('given_first', 'family_first', name='nameorder', native_enum=False, length=32)


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_order', NAME_ORDER, nullable=False, server_default='given_first'))
        batch_op.add_column(sa.Column('passport_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('latin_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('visa_letter_address', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('visa_letter_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_registrations_calendar_token'), ['calendar_token'])
        batch_op.create_unique_constraint(batch_op.f('uq_registrations_visa_letter_token'), ['visa_letter_token'])
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visa_signatory_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('visa_signatory_title', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('visa_signatory_contact', sa.String(length=300), nullable=False,
                                      server_default=''))
    op.create_table(
        'replaced_badges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('replaced_at', meeting_manager.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_replaced_badges_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                                name=op.f('fk_replaced_badges_registration_id_registrations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_replaced_badges')),
        sa.UniqueConstraint('token', name=op.f('uq_replaced_badges_token')),
    )
    with op.batch_alter_table('replaced_badges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replaced_badges_registration_id'), ['registration_id'], unique=False)
    _migrate_names()


def _migrate_names():
    """Order and passport name of the existing registrations, by the same functions the app uses."""
    from meeting_manager.names import NameOrder, Purpose, default_order, render_name

    connection = op.get_bind()
    registrations = sa.table('registrations', sa.column('id', sa.Integer), sa.column('given_name', sa.String),
                             sa.column('family_name', sa.String), sa.column('nationality', sa.String),
                             sa.column('name_order', sa.String), sa.column('passport_name', sa.String))
    rows = connection.execute(sa.select(registrations.c.id, registrations.c.given_name, registrations.c.family_name,
                                        registrations.c.nationality)).all()
    for rid, given, family, nationality in rows:
        order = default_order(given or "", family or "", nationality)
        person = {"given_name": given or "", "family_name": family or "", "name_order": order}
        connection.execute(registrations.update().where(registrations.c.id == rid).values(
            name_order=NameOrder(order).value, passport_name=render_name(person, Purpose.salutation)[:200]))


def downgrade():
    with op.batch_alter_table('replaced_badges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replaced_badges_registration_id'))
    op.drop_table('replaced_badges')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('visa_signatory_contact')
        batch_op.drop_column('visa_signatory_title')
        batch_op.drop_column('visa_signatory_name')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_registrations_visa_letter_token'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_registrations_calendar_token'), type_='unique')
        batch_op.drop_column('visa_letter_token')
        batch_op.drop_column('visa_letter_address')
        batch_op.drop_column('calendar_token')
        batch_op.drop_column('latin_name')
        batch_op.drop_column('passport_name')
        batch_op.drop_column('name_order')
