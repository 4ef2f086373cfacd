"""Sessions on the server, proven addresses, links to addresses, throttle counts.

Every session cookie from before ends (they held the user's id, not a server-side session's key). Accounts with a
password count as proven (the password was set through an emailed link); plain accounts prove their address with
their next link, which ends any session from before.

Revision ID: 106972443e72
Revises: 87aa379d466f
Create Date: 2026-12-01 23:18:32.385932

"""
from alembic import op
import sqlalchemy as sa

import meeting_manager.models_base


# revision identifiers, used by Alembic.
revision = '106972443e72'
down_revision = '87aa379d466f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttle_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('at', meeting_manager.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_hits'))
    )
    with op.batch_alter_table('throttle_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_hits_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_throttle_hits_key'), ['key'], unique=False)

    op.create_table('sign_in_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', meeting_manager.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', meeting_manager.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('remembered', sa.Boolean(), nullable=False),
    sa.Column('ended_at', meeting_manager.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_in_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_sign_in_sessions_key_hash'))
    )
    with op.batch_alter_table('sign_in_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
    op.execute("UPDATE access_tokens SET email = (SELECT users.email FROM users WHERE users.id = access_tokens.user_id)")
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch_op.create_index(batch_op.f('ix_access_tokens_email'), ['email'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_proven_at', meeting_manager.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_column('session_version')
    op.execute("UPDATE users SET email_proven_at = created_at WHERE password_hash IS NOT NULL")



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.INTEGER(), nullable=False, server_default='1'))
        batch_op.drop_column('email_proven_at')

    op.execute("DELETE FROM access_tokens WHERE user_id IS NULL")
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_tokens_email'))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('email')

    with op.batch_alter_table('sign_in_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_sessions_user_id'))

    op.drop_table('sign_in_sessions')
    with op.batch_alter_table('throttle_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_hits_key'))
        batch_op.drop_index(batch_op.f('ix_throttle_hits_at'))

    op.drop_table('throttle_hits')
