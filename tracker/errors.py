"""The tracker's exception tree. Library code raises these; only the CLI turns them into one line.

    TrackerError
    ├── ConfigError        bad configuration file or option
    ├── InputError         an input path or article that cannot be read
    ├── PageError          HTML that cannot be turned into an article
    ├── FetchError         a URL that could not be fetched (carries the URL)
    │   └── RefusedAddress a URL resolving to a private/loopback address without --allow-private
    ├── StoreError         the database cannot be opened, migrated or written
    │   └── StoreBusy      another process holds the DuckDB file
    └── QueryError         a user query that is refused (writes, file access) or fails
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""


class ConfigError(TrackerError):
    pass


class InputError(TrackerError):
    pass


class PageError(TrackerError):
    pass


class FetchError(TrackerError):
    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.reason = message


class RefusedAddress(FetchError):
    pass


class StoreError(TrackerError):
    pass


class StoreBusy(StoreError):
    pass


class QueryError(TrackerError):
    pass
