"""The exit codes of ``woo``: scripts branch on them, so they never change meaning."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    ERROR = 1  # the API answered with an error not listed below, or could not be reached
    USAGE = 2  # bad arguments (argparse's own code)
    NOT_FOUND = 3  # 404: no such store (or other object)
    REFUSED = 4  # 409 or 422: the request conflicts with the object's state or is invalid
    TIMEOUT = 5  # `wait` gave up before the store reached what it waited for
    AUTH = 6  # 401 or 403: no token, a wrong token, or a token without the scope
    FAILED = 7  # `wait`: the store reached a failure state instead

    @classmethod
    def for_status(cls, status_code: int) -> ExitCode:
        if status_code == 404:
            return cls.NOT_FOUND
        if status_code in (409, 422):
            return cls.REFUSED
        if status_code in (401, 403):
            return cls.AUTH
        return cls.ERROR
