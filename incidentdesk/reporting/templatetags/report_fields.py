"""One radio or checkbox of the report forms, drawn by one tag.

The report form has about fifty of them; drawn by a dozen `{% if %}` nodes each, they
cost most of the page's time. The HTML is exactly what staff_fields/choices.html drew.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def choice_input(item: dict[str, Any], name: str, kind: str, reveal_value: str = "") -> SafeString:
    """The input, its label and its hint; `kind` is "radios" or "checkboxes"."""
    item_id = item["id"]
    extra = []
    if item["checked"]:
        extra.append(" checked")
    if item["exclusive"]:
        extra.append(' data-behaviour="exclusive"')
    if reveal_value and item["value"] == reveal_value:
        extra.append(format_html(' data-aria-controls="conditional-{}"', item_id))
    if item["hint"]:
        extra.append(format_html(' aria-describedby="{}-item-hint"', item_id))
    html = format_html(
        '<input class="govuk-{kind}__input" id="{id}" name="{name}" type="{type}"'
        ' value="{value}"{extra}>\n'
        '          <label class="govuk-label govuk-{kind}__label" for="{id}">{label}</label>',
        kind=kind,
        id=item_id,
        name=name,
        type="radio" if kind == "radios" else "checkbox",
        value=item["value"],
        extra=mark_safe("".join(extra)),  # noqa: S308 - each piece escaped above
        label=item["label"],
    )
    if item["hint"]:
        html += format_html(
            '\n          <div id="{}-item-hint" class="govuk-hint govuk-{}__hint">{}</div>',
            item_id,
            kind,
            item["hint"],
        )
    return mark_safe(html)  # noqa: S308 - built with format_html
