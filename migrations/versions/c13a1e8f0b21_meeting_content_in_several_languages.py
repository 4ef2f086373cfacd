"""The meeting's own content in several languages: a meeting's default language and offered languages, and the
other languages' texts of meeting title and description, questions and their choices, session title and description.

Revision ID: c13a1e8f0b21
Revises: f1d1c0de5a7a
Create Date: 2026-12-02 18:50:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'c13a1e8f0b21'
down_revision = 'f1d1c0de5a7a'
branch_labels = None
depends_on = None

#: table -> the fields that get a `<field>_i18n` column ({language: text}); existing rows get {}
TRANSLATED = {
    'meetings': ('title', 'description'),
    'questions': ('label', 'options'),
    'sessions': ('title', 'description'),
}


def upgrade():
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.add_column(sa.Column('default_language', sa.String(length=5), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('content_languages', sa.JSON(), nullable=True))
    for table, fields in TRANSLATED.items():
        with op.batch_alter_table(table) as batch_op:
            for name in fields:
                batch_op.add_column(sa.Column(f'{name}_i18n', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    for table, fields in TRANSLATED.items():
        with op.batch_alter_table(table) as batch_op:
            for name in fields:
                batch_op.drop_column(f'{name}_i18n')
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.drop_column('content_languages')
        batch_op.drop_column('default_language')
