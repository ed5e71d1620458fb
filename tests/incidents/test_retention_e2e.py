"""An anonymised incident in a real browser: the page and the timeline say the details were
removed, show none of them, and pass axe, at desktop and phone width."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import expect

from incidentdesk.deadlines.worker import JOBS
from incidentdesk.incidents.retention import years_before
from tests.e2e.conftest import (  # noqa: F401 - browser and new_page are fixtures used here
    NewPage,
    browser,
    new_page,
    sign_in_with_cookie,
    visit,
)
from tests.incidents.conftest import Cast
from tests.incidents.test_retention import CANARY, NOW, populated_incident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_anonymised_incident_shows_that_its_details_were_removed(
    new_page: NewPage,  # noqa: F811 - the fixture imported above
    viewport: str,
    live_server,
    cast: Cast,
) -> None:
    incident = populated_incident(cast, closed_at=years_before(NOW, 7))
    with time_machine.travel(NOW, tick=False):
        assert JOBS["anonymise expired incidents"]() == 1
    page = new_page(viewport)
    base = live_server.url
    sign_in_with_cookie(page, base, cast.manager)

    for url in (f"/incidents/{incident.reference}/", f"/incidents/{incident.reference}/timeline/"):
        visit(page, f"{base}{url}")
        expect(
            page.get_by_text("Details removed under the retention policy on 1 March 2033")
        ).to_be_visible()
        text = page.locator("main").inner_text()
        assert CANARY not in text and cast.reporter.full_name not in text
