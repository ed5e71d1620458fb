"""The API's governance operations."""

from ninja import Router

router = Router(tags=["governance"])
