"""The API's outcome reports operations."""

from ninja import Router

router = Router(tags=["outcomes"])
