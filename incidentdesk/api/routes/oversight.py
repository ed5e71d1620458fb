"""The API's oversight operations."""

from ninja import Router

router = Router(tags=["oversight"])
