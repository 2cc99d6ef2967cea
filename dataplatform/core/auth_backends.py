from axes.backends import AxesStandaloneBackend


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout for every login made over HTTP.

    An ``authenticate()`` without a request (a management command, the test client's ``login()``) has no
    address to count against and nobody guessing at a form, so it is let through to the next backend
    instead of failing as axes' own backend does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
