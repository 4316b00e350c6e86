"""The registry of accounts (seeds/actors.csv) and name lookup over it.

Articles name an account by its name or an alias ("the MEA", "Ministry of External Affairs"),
by a title ("the Home Minister"), by a generic noun that points back to an account already
named ("the embassy"), or by its @handle. The registry answers the first, third-party-free
questions: which account a name or handle is, and which accounts a title or noun could be.
Choosing among candidates by context is the resolver's job (tracker.resolve).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tracker.errors import ConfigError
from tracker.models import Actor

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_ACTORS = SEEDS / "actors.csv"
COLUMNS = ("handle", "platform", "display_name", "aliases", "titles", "nouns",
           "government", "kind", "parent", "pronoun")

# Words dropped before comparing names: articles, honorifics, possessive endings.
_NAME_NOISE = re.compile(r"^(?:the|mr|mrs|ms|dr|shri|smt)\.?\s+|['’]s?$", re.IGNORECASE)


def normalise_name(name: str) -> str:
    """Lower-case a name and fold spacing, dots and a leading article."""
    name = re.sub(r"[.\u2019']", lambda m: "" if m.group() == "." else "'", name)
    name = re.sub(r"\s+", " ", name.strip().lower())
    previous = None
    while previous != name:
        previous = name
        name = _NAME_NOISE.sub("", name).strip()
    return name


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (value or "").split("|") if x.strip())


@dataclass
class Registry:
    actors: dict[str, Actor]
    by_name: dict[str, str] = field(default_factory=dict)
    by_title: dict[str, list[str]] = field(default_factory=dict)
    by_noun: dict[str, list[str]] = field(default_factory=dict)
    by_handle: dict[str, str] = field(default_factory=dict)
    name_pattern: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        for actor in self.actors.values():
            self.by_handle[actor.handle.lower()] = actor.handle
            for name in (actor.display_name, *actor.aliases):
                self.by_name.setdefault(normalise_name(name), actor.handle)
            for title in actor.titles:
                self.by_title.setdefault(normalise_name(title), []).append(actor.handle)
            for noun in actor.nouns:
                self.by_noun.setdefault(normalise_name(noun), []).append(actor.handle)
        names = sorted({n for n in self.by_name if n}, key=len, reverse=True)
        if names:
            alternation = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
            self.name_pattern = re.compile(rf"(?<![\w@])(?:{alternation})(?![\w])", re.IGNORECASE)

    def __len__(self) -> int:
        return len(self.actors)

    def __iter__(self) -> Iterator[Actor]:
        return iter(self.actors.values())

    def get(self, handle: str | None) -> Actor | None:
        if not handle:
            return None
        canonical = self.by_handle.get(handle.lower().lstrip("@"))
        return self.actors.get(canonical) if canonical else None

    def lookup_name(self, name: str) -> Actor | None:
        """The account whose name or alias is exactly ``name`` (after normalisation)."""
        handle = self.by_name.get(normalise_name(name))
        return self.actors.get(handle) if handle else None

    def find_names(self, text: str) -> Iterable[tuple[int, int, Actor]]:
        """Every registry name or alias in ``text``, longest match first, as (start, end, actor)."""
        if self.name_pattern is None:
            return
        for match in self.name_pattern.finditer(text):
            actor = self.lookup_name(match.group())
            if actor is not None:
                yield match.start(), match.end(), actor

    def with_title(self, title: str) -> list[Actor]:
        return [self.actors[h] for h in self.by_title.get(normalise_name(title), [])]

    def with_noun(self, noun: str) -> list[Actor]:
        return [self.actors[h] for h in self.by_noun.get(normalise_name(noun), [])]


def read_actors(path: Path = DEFAULT_ACTORS) -> list[Actor]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(f"{path}: missing columns {', '.join(missing)}")
            actors = []
            for line, row in enumerate(reader, start=2):
                if not (row.get("handle") or "").strip():
                    raise ConfigError(f"{path}:{line}: empty handle")
                actors.append(Actor(
                    handle=row["handle"].strip().lstrip("@"),
                    platform=(row["platform"] or "x").strip(),
                    display_name=row["display_name"].strip(),
                    aliases=_split(row["aliases"]),
                    titles=_split(row["titles"]),
                    nouns=_split(row["nouns"]),
                    government=(row["government"] or "").strip(),
                    kind=(row["kind"] or "").strip(),
                    parent=(row["parent"] or "").strip() or None,
                    pronoun=(row["pronoun"] or "it").strip() or "it",
                ))
    except OSError as exc:
        raise ConfigError(f"cannot read the registry {path}: {exc.strerror}") from exc
    except csv.Error as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return actors


@lru_cache(maxsize=4)
def load_registry(path: Path = DEFAULT_ACTORS) -> Registry:
    return Registry({a.handle: a for a in read_actors(path)})
