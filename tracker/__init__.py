"""Social-media post provenance tracker: finds posts cited in news articles and stores their provenance."""

from tracker.compiled import warn_if_stale

__version__ = "0.1.0"

# The extractor's modules compiled in place by `make install` shadow their sources: warn when an
# edited one has not been rebuilt (tracker/compiled.py).
warn_if_stale()
