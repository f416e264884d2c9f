"""Kubernetes resource quantities as numbers: CPU in millicores, memory and storage in bytes."""

from __future__ import annotations

import re

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$")


def millicores(value: str | int | float) -> int:
    text = str(value)
    if text.endswith("m"):
        return int(text[:-1])
    return round(float(text) * 1000)


def bytes_of(value: str | int) -> int:
    match = _QUANTITY.match(str(value))
    if not match:
        raise ValueError(f"not a quantity: {value!r}")
    number, suffix = match.groups()
    if suffix in _BINARY:
        return round(float(number) * _BINARY[suffix])
    if suffix in _DECIMAL:
        return round(float(number) * _DECIMAL[suffix])
    if suffix == "":
        return round(float(number))
    raise ValueError(f"unknown unit in {value!r}")


def amount(resource: str, value: str | int | float) -> int:
    return millicores(value) if resource == "cpu" else bytes_of(str(value))
