"""Webhook endpoints: subscribe, list, remove, read deliveries with their answers, replay one."""
from flask_babel import gettext as _

from . import schemas as s
from . import webhooks
from .blueprint import v1
from .edge import ORGANISER_ROLES, endpoint
from .pages import decode_cursor, encode_cursor
from .problems import Problem


def webhook_out(row, *, with_secret: bool = False) -> s.WebhookOut:
    return s.WebhookOut(id=row.id, url=row.url, events=row.events, active=row.active,
                        secret=row.secret if with_secret else None)


def _subscription(meeting, webhook_id: int):
    row = webhooks.subscription_of(meeting, webhook_id)
    if row is None:
        raise Problem(404, _("No such webhook in this meeting."), kind="not-found")
    return row


@endpoint(v1, "GET", "/meetings/<int:meeting_id>/webhooks", summary="The meeting's webhook subscriptions",
          scope="admin", roles=ORGANISER_ROLES, response=s.WebhookList, tag="webhooks")
def list_webhooks(_token, meeting, _query, _body):
    return s.WebhookList(items=[webhook_out(w) for w in webhooks.subscriptions_of(meeting)])


@endpoint(v1, "POST", "/meetings/<int:meeting_id>/webhooks", summary="Subscribe a URL to events; the answer holds "
          "the signing secret, once", scope="admin", roles=ORGANISER_ROLES, body=s.WebhookIn, response=s.WebhookOut,
          status=201, tag="webhooks")
def create_webhook(token, meeting, _query, body: s.WebhookIn):
    row = webhooks.subscribe(meeting, url=body.url, events=list(body.events), actor=token.user)
    return webhook_out(row, with_secret=True)


@endpoint(v1, "DELETE", "/meetings/<int:meeting_id>/webhooks/<int:webhook_id>", summary="Remove a subscription",
          scope="admin", roles=ORGANISER_ROLES, response=s.WebhookOut, tag="webhooks")
def delete_webhook(token, meeting, _query, _body, webhook_id: int):
    row = _subscription(meeting, webhook_id)
    answer = webhook_out(row)
    webhooks.unsubscribe(row, actor=token.user)
    return answer


def delivery_out(row) -> s.DeliveryOut:
    return s.DeliveryOut.model_validate({name: getattr(row, name) for name in s.DeliveryOut.model_fields}
                                        | {"status": row.status.value})


@endpoint(v1, "GET", "/meetings/<int:meeting_id>/webhooks/<int:webhook_id>/deliveries", summary="Deliveries, "
          "newest first, with the receiver's answers", scope="admin", roles=ORGANISER_ROLES, query=s.PageQuery,
          response=s.DeliveryPage, tag="webhooks")
def list_deliveries(_token, meeting, query: s.PageQuery, _body, webhook_id: int):
    rows = webhooks.deliveries_of(_subscription(meeting, webhook_id), after=decode_cursor(query.cursor),
                                  limit=query.limit + 1)
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return s.DeliveryPage(items=[delivery_out(r) for r in rows],
                          next_cursor=encode_cursor(rows[-1].id) if more else None)


@endpoint(v1, "POST", "/meetings/<int:meeting_id>/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/replay",
          summary="Send a delivery's event again (same event id)", scope="admin", roles=ORGANISER_ROLES,
          response=s.DeliveryOut, status=201, tag="webhooks")
def replay_delivery(token, meeting, _query, _body, webhook_id: int, delivery_id: int):
    delivery = webhooks.delivery_of(_subscription(meeting, webhook_id), delivery_id)
    if delivery is None:
        raise Problem(404, _("No such delivery."), kind="not-found")
    return delivery_out(webhooks.replay(delivery, actor=token.user))
