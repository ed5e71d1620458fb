from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from incidentdesk.oversight.dashboard_rules import may_see_dashboard as _may_see_dashboard

register = template.Library()


@register.simple_tag
def may_see_dashboard(person) -> bool:
    return _may_see_dashboard(person)


# The dashboard's breakdowns and month lists, each written by one tag: the same HTML as
# the template loops they replaced (an included template per breakdown), at a fraction of the
# template engine's cost. Every value goes through `format_html` or `escape`.


@register.simple_tag
def month_options(months, selected: str) -> SafeString:
    """The <option>s of a month select, "2026-03" → "March 2026"."""
    parts = []
    for month in months:
        value = f"{month:%Y-%m}"
        parts.append(
            format_html(
                '<option value="{}"{}>{}</option>',
                value,
                mark_safe(" selected") if value == selected else "",  # noqa: S308 - constant
                f"{month:%B %Y}",
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - each part escaped


@register.simple_tag
def dashboard_breakdown(
    section_id: str, heading: str, column: str, rows, chart, period_label: str
) -> SafeString:
    """One breakdown: the table first (ux.md: tables first), the chart beside it."""
    parts = [
        format_html(
            '<section class="app-dashboard__section govuk-!-margin-bottom-8" '
            'aria-labelledby="{}-heading">\n  <h2 class="govuk-heading-m" id="{}-heading">{}</h2>',
            section_id,
            section_id,
            heading,
        )
    ]
    if chart:
        parts.append(
            format_html('<p class="govuk-body govuk-!-font-weight-bold">{}</p>', chart.title)
        )
    if not rows:
        parts.append('<p class="govuk-body">No incidents in this period.</p>\n</section>')
        return mark_safe("\n".join(parts))  # noqa: S308 - each part escaped
    parts.append(
        format_html(
            '<div class="govuk-grid-row">\n<div class="govuk-grid-column-one-third">\n'
            '<table class="govuk-table">\n'
            '<caption class="govuk-table__caption govuk-table__caption--s">{}, {}</caption>\n'
            '<thead class="govuk-table__head">\n<tr class="govuk-table__row">\n'
            '<th scope="col" class="govuk-table__header">{}</th>\n'
            '<th scope="col" class="govuk-table__header govuk-table__header--numeric">'
            "Incidents</th>\n</tr>\n</thead>\n"
            '<tbody class="govuk-table__body">',
            heading,
            period_label,
            column,
        )
    )
    for row in rows:
        parts.append(
            '<tr class="govuk-table__row">'
            f'<th scope="row" class="govuk-table__header app-break-word">{escape(row.label)}</th>'
            '<td class="govuk-table__cell govuk-table__cell--numeric">'
            f"{escape(str(row.count))}</td></tr>"
        )
    parts.append("</tbody>\n</table>\n</div>")
    if chart:
        parts.append(
            format_html(
                '<div class="govuk-grid-column-two-thirds">\n'
                '<figure class="app-chart__figure govuk-!-margin-0">\n{}\n'
                '<figcaption class="govuk-body-s">{}</figcaption>\n</figure>\n</div>',
                chart.svg,
                chart.description,
            )
        )
    parts.append("</div>\n</section>")
    return mark_safe("\n".join(parts))  # noqa: S308 - each part escaped
