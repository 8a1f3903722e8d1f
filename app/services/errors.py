"""Errors a service raises for input a person can fix; routes turn them into 4xx answers."""


class InputError(ValueError):
    """Bad input: the message says what is wrong and how to fix it. Nothing was written."""


class NotFoundError(LookupError):
    """A story, outlet, passage or frame that does not exist."""
