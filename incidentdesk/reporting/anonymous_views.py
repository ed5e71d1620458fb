from django.http import Http404


def anonymous_report(request, slug):
    raise Http404


anonymous_follow_up = anonymous_report
