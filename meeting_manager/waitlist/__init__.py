"""Waiting-list offers: a freed seat is offered by mail to the earliest waitlisted registration that fits."""
