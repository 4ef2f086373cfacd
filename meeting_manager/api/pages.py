"""Cursor pagination and `fields=` for list endpoints."""
import base64

from flask_babel import gettext as _

from .problems import Problem


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id after which the next page starts; a cursor that is not ours is a 422 naming the parameter."""
    if not cursor:
        return None
    try:
        value = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except ValueError:
        value = -1
    if value < 0:
        raise Problem(422, _("The cursor is not one this API gave."), kind="validation",
                      errors=[{"field": "cursor", "in": "query", "detail": "unknown cursor"}])
    return value


def page_of(query, id_column, params, session):
    """(rows, next cursor) for a select ordered by id, `params.limit` at a time after `params.cursor`."""
    after = decode_cursor(params.cursor)
    if after is not None:
        query = query.where(id_column > after)
    rows = list(session.scalars(query.order_by(id_column).limit(params.limit + 1)))
    more = len(rows) > params.limit
    rows = rows[:params.limit]
    return rows, (encode_cursor(rows[-1].id) if more else None)


def chosen_fields(fields: str | None, known: tuple[str, ...]) -> set[str] | None:
    if not fields:
        return None
    chosen = set(fields.split(","))
    if unknown := sorted(chosen - set(known)):
        raise Problem(422, _("Unknown field: %(names)s.", names=", ".join(unknown)), kind="validation",
                      errors=[{"field": "fields", "in": "query", "detail": f"unknown field {name}"}
                              for name in unknown])
    return chosen | {"id"}
