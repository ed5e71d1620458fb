from django.http import Http404


def queue(request):
    raise Http404


def incident_detail(request, reference):
    raise Http404
