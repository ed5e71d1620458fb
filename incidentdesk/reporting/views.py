from django.http import Http404


def report(request):
    raise Http404


report_sent = my_reports = my_report = report
