"""Production settings for bench/filters.py, whose random filters repeat a district more often than the
page-walk watch allows a real client (10 pages of one filter set in 10 minutes): the watch still counts
every call, as in production, but never refuses, as the grant's raised limits never do."""

from dataplatform.settings import *  # noqa: F403

DATA_API = {**DATA_API, "PAGE_WALK": 10**9}  # noqa: F405
