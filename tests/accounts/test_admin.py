"""Sign-in records in the admin site: superusers only, secrets never shown."""

from __future__ import annotations

from django.test import Client

from incidentdesk.accounts.models import TwoFactorDevice
from incidentdesk.organisations.models import Person
from tests.accounts.helpers import ENROL, PASSWORD, audit_actions, sign_in

DEVICES = "/admin/accounts/twofactordevice/"


def _superuser() -> Person:
    return Person.objects.create_superuser("root@example.org", PASSWORD, full_name="Rosa Root")


def test_a_superuser_can_reset_a_lost_app(client: Client, manager: Person, manager_secret: str):
    root = _superuser()
    client.force_login(root)
    device = TwoFactorDevice.objects.get(person=manager)
    response = client.post(DEVICES, {"action": "reset_apps", "_selected_action": [device.pk]})
    assert response.status_code == 302
    assert not TwoFactorDevice.objects.filter(person=manager).exists()
    assert audit_actions(manager) == ["person.two_factor_reset"]

    assert sign_in(Client(), "mandy@example.org")["Location"] == ENROL


def test_the_secret_is_never_shown(client: Client, manager: Person, manager_secret: str):
    client.force_login(_superuser())
    device = TwoFactorDevice.objects.get(person=manager)
    page = client.get(f"{DEVICES}{device.pk}/change/")
    assert page.status_code == 200
    assert "Mandy Moss" in page.content.decode()
    assert manager_secret not in page.content.decode()


def test_other_admin_users_cannot_see_sign_in_records(client: Client, manager: Person):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    assert client.get(DEVICES).status_code == 403
    assert client.get("/admin/accounts/signinfailure/").status_code == 403
