from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .services import mark_notices_read


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    mark_notices_read(person=request.user)
    return redirect("home")
