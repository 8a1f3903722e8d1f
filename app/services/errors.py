"""Errors a service raises for input a person can fix; routes turn them into 4xx answers."""


class InputError(ValueError):
    """Bad input: the message says what is wrong and how to fix it. Nothing was written."""


class NotFoundError(LookupError):
    """A story, outlet, passage or frame that does not exist."""


class PermissionDeniedError(PermissionError):
    """The actor may not do this (another analyst's work, an admin-only action)."""


class StaleVersionError(Exception):
    """The If-Match version is not the current one: someone changed it in between."""

    def __init__(self, current_version: int) -> None:
        super().__init__(
            f"Someone changed this annotation since you loaded it (it is now at version "
            f"{current_version}); reload it, then apply your change again."
        )
        self.current_version = current_version
