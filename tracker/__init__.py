"""Social-media post provenance tracker: finds posts cited in news articles and stores their provenance."""

__version__ = "0.1.0"
