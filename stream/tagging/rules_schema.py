"""Pydantic models of the rule files under ``stream/tagging/rules/``.

Every file is a YAML mapping with a ``kind``: ``manifest`` (the version), ``category`` (lexicons,
rules and exclusions of one category), ``lexicons`` (shared lexicons any category may use, e.g.
weapon-system families), ``stance`` (cue lists), ``gazetteer`` (actors), ``leaders`` (who leads
which state or body, since when: upkeep is an edit of that one file) or ``roles`` (words that say
who supplies whom). Terms may use brace alternation for inflections:
``suppl{y,ies,ied,ying}`` expands to four terms, ``arms {deal,deals}`` to two.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stream.models import Category, Stance

_ID = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"
_NAME = r"^[a-z][a-z0-9_]*$"
# Context lexicon that stands for any gazetteer mention (country, capital, leader, organisation).
ACTORS_LEXICON = "actors"
Term = Annotated[str, Field(min_length=1, max_length=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_braces(terms: list[str]) -> list[str]:
    for term in terms:
        depth = 0
        for ch in term:
            depth += 1 if ch == "{" else -1 if ch == "}" else 0
            if depth not in (0, 1):
                raise ValueError(f"unbalanced or nested braces in term {term!r}")
        if depth:
            raise ValueError(f"unbalanced braces in term {term!r}")
    return terms


class Lexicon(_Strict):
    description: str = ""
    terms: list[Term] = Field(min_length=1)

    _braces = field_validator("terms")(_check_braces)


class Context(_Strict):
    """Another lexicon that must (``near``) or must not (``unless_near``) occur close by."""

    lexicons: list[Annotated[str, Field(pattern=_NAME)]] = Field(min_length=1)
    window: int = Field(default=8, ge=0, le=200, description="maximum words in between")
    direction: Literal["any", "before", "after"] = "any"
    same_sentence: bool = True


class Rule(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    description: str = ""
    match: list[Annotated[str, Field(pattern=_NAME)]] = Field(min_length=1)
    weight: float = Field(gt=0.0, le=1.0)
    near: list[Context] = []
    unless_near: list[Context] = []


class Exclusion(_Strict):
    """Phrases that hide every category match overlapping them ("coat of arms")."""

    id: Annotated[str, Field(pattern=_ID)]
    description: str = ""
    terms: list[Term] = Field(min_length=1)

    _braces = field_validator("terms")(_check_braces)


class CategoryFile(_Strict):
    """One category, all of it data: dropping such a file into the rules directory adds it."""

    kind: Literal["category"]
    category: Category
    label: str | None = Field(default=None, max_length=60, description="how people read it; default from the name")
    roles: bool = Field(default=False, description="tell supplier and recipient apart (transfers)")
    threshold: float = Field(default=0.5, gt=0.0, le=1.0)
    lexicons: dict[Annotated[str, Field(pattern=_NAME)], Lexicon] = {}
    rules: list[Rule] = Field(min_length=1)
    exclusions: list[Exclusion] = []


class SharedLexiconsFile(_Strict):
    """Lexicons that are not one category's (weapon-system families): any category may use them."""

    kind: Literal["lexicons"]
    description: str = ""
    lexicons: dict[Annotated[str, Field(pattern=_NAME)], Lexicon] = Field(min_length=1)


class StanceCue(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    stance: Stance
    priority: int = Field(ge=0, description="lower wins when several stances apply")
    window_before: int = Field(default=10, ge=0, le=100)
    window_after: int = Field(default=0, ge=0, le=100)
    same_clause: bool = Field(default=False, description="no ',', ';' or ':' between cue and evidence")
    evidence: bool = Field(default=False, description="quote the cue among the tag's evidence")
    terms: list[Term] = Field(min_length=1)

    _braces = field_validator("terms")(_check_braces)


class StanceFile(_Strict):
    kind: Literal["stance"]
    cues: list[StanceCue] = Field(min_length=1)


class Country(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    name: Term
    aliases: list[Term] = []
    demonyms: list[Term] = []
    capitals: list[Term] = []
    leaders: list[Term] = []


class Organisation(_Strict):
    """A body (UN, EU) or a non-state group (kind ``other``); these have no country code."""

    id: Annotated[str, Field(pattern=_ID)]
    name: Term
    kind: Literal["organisation", "other"] = "organisation"
    aliases: list[Term] = []


class GazetteerFile(_Strict):
    kind: Literal["gazetteer"]
    countries: list[Country] = Field(min_length=1)
    organisations: list[Organisation] = []


class Leader(_Strict):
    """A person who speaks for a state or body; ``until`` is set once they left office."""

    name: Term
    aliases: list[Term] = []
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    organisation: Annotated[str, Field(pattern=_ID)] | None = None
    role: Annotated[str, Field(min_length=1, max_length=80)]
    since: date
    until: date | None = None

    @model_validator(mode="after")
    def _one_owner_and_dates(self) -> "Leader":
        if (self.country is None) == (self.organisation is None):
            raise ValueError(f"{self.name}: give exactly one of 'country' or 'organisation'")
        if self.until is not None and self.until < self.since:
            raise ValueError(f"{self.name}: 'until' is before 'since'")
        return self


class LeadersFile(_Strict):
    kind: Literal["leaders"]
    as_of: date = Field(description="the date the list was last checked")
    leaders: list[Leader] = Field(min_length=1)

    @model_validator(mode="after")
    def _not_after_as_of(self) -> "LeadersFile":
        for leader in self.leaders:
            if leader.since > self.as_of:
                raise ValueError(f"{leader.name}: 'since' is after as_of {self.as_of}")
        return self


class RolesFile(_Strict):
    """Verbs/nouns whose subject supplies (``outgoing``) or receives (``incoming``)."""

    kind: Literal["roles"]
    outgoing: list[Term] = Field(min_length=1)
    incoming: list[Term] = Field(min_length=1)
    source_preps: list[Term] = ["from"]
    target_preps: list[Term] = ["to"]
    agent_preps: list[Term] = Field(default=["by"], description="passive agent: 'sold by X'")
    skip_before: list[Term] = Field(default=[], description="prepositions that stop a subject")
    destination_preps: list[Term] = Field(default=[], description="'bound for X': X receives, no verb needed")
    benefactive_preps: list[Term] = Field(default=[], description="'built for X' right after a transfer: X receives")
    restrict: list[Term] = Field(
        default=[], description="'X banned exports of ...': between a subject and its transfer word, X is neither side")
    passive_aux: list[Term] = Field(default=[], description="'was supplied with': the subject receives")
    participles: list[Term] = Field(default=[], description="irregular past participles ('sold', 'sent')")
    origin_suffixes: list[Term] = Field(default=[], description="'Swiss-made': a demonym before these marks the origin")
    neutral: list[Term] = Field(default=[], description="'a deal for ... from X': words that govern from/to but have no subject")
    reporting: list[Term] = Field(default=[], description="'Treasury said the network shipped': a subject never lies beyond these")
    pronouns: list[Term] = Field(default=[], description="'Cairo insisted it had not shipped': the reporter is the subject")
    determiners: list[Term] = Field(default=[], description="'to a Russian port': a preposition two words back still governs")
    relatives: list[Term] = Field(default=[], description="'soldiers who sell': the subject is the word before these")
    location_preps: list[Term] = Field(default=[], description="'inside Russian missiles': a demonym after these is no origin")
    goods_lexicons: list[Annotated[str, Field(pattern=_NAME)]] = Field(
        default=[], description="lexicons naming the goods, for origin demonyms ('Israeli drones')")

    _b1 = field_validator("outgoing", "incoming", "restrict", "participles", "neutral", "reporting")(_check_braces)


class ManifestFile(_Strict):
    kind: Literal["manifest"]
    version: Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,40}$")]
    description: str = ""


AnyFile = Annotated[
    CategoryFile | SharedLexiconsFile | StanceFile | GazetteerFile | LeadersFile | RolesFile | ManifestFile,
    Field(discriminator="kind"),
]

_GROUP = re.compile(r"\{([^{}]*)\}")


def expand(term: str) -> list[str]:
    """Expand brace alternation: ``sell{,s,ing}`` -> ``sell``, ``sells``, ``selling``."""
    m = _GROUP.search(term)
    if not m:
        return [term]
    out: list[str] = []
    for alt in m.group(1).split(","):
        out.extend(expand(term[: m.start()] + alt.strip() + term[m.end():]))
    return out
