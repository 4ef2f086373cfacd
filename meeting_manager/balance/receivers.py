"""What balance does when registration or a meeting changes: decide on arrival (auto mode), fill freed seats."""
from ..signals import registration_submitted, seat_freed
from .services import on_registration_submitted, on_seat_freed

registration_submitted.connect(on_registration_submitted)
seat_freed.connect(on_seat_freed)
