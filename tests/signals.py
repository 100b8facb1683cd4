"""Recording the signals code sends: one helper for the follow, like and moderation tests."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.dispatch import Signal

Heard = tuple[str, object, dict]  # (the signal's name here, its sender, its arguments)


@contextmanager
def signals_heard(**signals: Signal) -> Iterator[list[Heard]]:
    """Every sending of one of ``signals`` while inside, in order, by the keyword it was
    given here: ``signals_heard(liked=photo_liked)`` records ("liked", sender, kwargs)."""
    heard: list[Heard] = []
    receivers = {}
    for name, signal in signals.items():

        def receive(sender, *, _name: str = name, **kwargs) -> None:
            heard.append((_name, sender, kwargs))

        receivers[name] = (signal, receive)
        signal.connect(receive)
    try:
        yield heard
    finally:
        for signal, receive in receivers.values():
            signal.disconnect(receive)
