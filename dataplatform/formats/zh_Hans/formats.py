# The platform's formats, the same in both languages (dataplatform/formats/__init__.py): English's, as they are.
from dataplatform.formats.en.formats import *  # noqa: F403
