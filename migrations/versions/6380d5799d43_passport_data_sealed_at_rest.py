"""Passport data sealed at rest: the four passport columns become text holding MultiFernet tokens.

Revision ID: 6380d5799d43
Revises: 106972443e72
Create Date: 2026-12-01 23:58:00

The values already stored are sealed with the app's newest passport key (PASSPORT_KEYS or var/passport_keys):
run this with the keys the app servers use. Downgrading opens them again into plain columns.
"""
from alembic import op
import sqlalchemy as sa

from meeting_manager.privacy.sealing import seal, unseal

# revision identifiers, used by Alembic.
revision = '6380d5799d43'
down_revision = '106972443e72'
branch_labels = None
depends_on = None

COLUMNS = ("passport_number", "passport_expiry", "date_of_birth", "place_of_birth")
PLAIN = {"passport_number": sa.String(40), "passport_expiry": sa.Date(), "date_of_birth": sa.Date(),
         "place_of_birth": sa.String(120)}


def _rewrite(change) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, {', '.join(COLUMNS)} FROM visa_requests")).all()
    for row in rows:
        values = {name: change(str(getattr(row, name))) for name in COLUMNS}
        connection.execute(sa.text(f"UPDATE visa_requests SET {', '.join(f'{n} = :{n}' for n in COLUMNS)} "
                                   "WHERE id = :id"), values | {"id": row.id})


def upgrade():
    with op.batch_alter_table('visa_requests', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(name, existing_type=PLAIN[name], type_=sa.Text(), existing_nullable=False,
                                  postgresql_using=f"{name}::text")
    _rewrite(seal)


def downgrade():
    _rewrite(unseal)
    with op.batch_alter_table('visa_requests', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(name, existing_type=sa.Text(), type_=PLAIN[name], existing_nullable=False,
                                  postgresql_using=f"{name}::{'date' if PLAIN[name].__class__ is sa.Date else 'varchar'}")
