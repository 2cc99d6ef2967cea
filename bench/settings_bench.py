"""The production settings plus a bench-only URL for the bare view (bench/data_api.py)."""

from dataplatform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
