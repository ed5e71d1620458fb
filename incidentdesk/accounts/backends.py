from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    pass
