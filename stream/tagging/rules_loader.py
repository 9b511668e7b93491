"""Load and validate a rules directory into a :class:`RuleSet`; every problem is a ``RulesError``.

Messages name the file, the rule id (when the problem sits inside one) and what is wrong.
The version is the manifest ``version`` plus a short hash of every file's name and content,
so any edit to any rule file changes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from stream.errors import RulesError
from stream.tagging.rules_schema import (
    ACTORS_LEXICON,
    AnyFile,
    CategoryFile,
    GazetteerFile,
    LeadersFile,
    ManifestFile,
    RolesFile,
    SharedLexiconsFile,
    StanceFile,
    expand,
)
from stream.tagging.normalise import fold_term

_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyFile)
_KINDS = ("manifest", "category", "lexicons", "stance", "gazetteer", "leaders", "roles")


@dataclass
class RuleSet:
    version: str
    categories: dict[str, CategoryFile]
    lexicons: dict[str, list[str]]  # name -> folded, expanded terms
    stance: StanceFile
    gazetteer: GazetteerFile
    roles: RolesFile
    leaders: LeadersFile | None = None
    files: list[str] = field(default_factory=list)


def rule_files(rules_dir: Path) -> list[Path]:
    return sorted(p for p in rules_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _where(raw: Any, loc: tuple[Any, ...]) -> str:
    """The innermost ``id`` found along ``loc`` in the raw document, as ' rule X' or ''."""
    found = ""
    node = raw
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found = node["id"]
    return f" rule {found}:" if found else ""


def _validate(path: Path, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise RulesError(f"{path.name}: the file must be a YAML mapping")
    if raw.get("kind") not in _KINDS:
        raise RulesError(f"{path.name}: 'kind' must be one of {', '.join(_KINDS)}, got {raw.get('kind')!r}")
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])[1:]  # drop the discriminator tag
        where = ".".join(str(p) for p in loc) or "(top level)"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise RulesError(f"{path.name}:{_where(raw, loc)} {where}: {first['msg'].removeprefix('Value error, ')}{more}") from None


def _fold_all(path: Path, owner: str, terms: list[str]) -> list[str]:
    out: list[str] = []
    for term in terms:
        for variant in expand(term):
            folded = fold_term(variant)
            if not folded or not any(c.isalnum() for c in folded):
                raise RulesError(f"{path.name}: {owner}: term {term!r} has no letters or digits")
            out.append(folded)
    return out


def _check_category(path: Path, cat: CategoryFile, lexicons: dict[str, list[str]]) -> None:
    for rule in cat.rules:
        names = list(rule.match) + [n for c in (*rule.near, *rule.unless_near) for n in c.lexicons]
        for name in names:
            if name not in lexicons and name != ACTORS_LEXICON:
                raise RulesError(f"{path.name}: rule {rule.id}: unknown lexicon {name!r}")


def _check_leaders(path: Path, leaders: LeadersFile, gazetteer: GazetteerFile) -> None:
    codes = {c.code for c in gazetteer.countries}
    orgs = {o.id for o in gazetteer.organisations}
    for leader in leaders.leaders:
        if leader.country is not None and leader.country not in codes:
            raise RulesError(f"{path.name}: {leader.name}: country {leader.country} is not in the gazetteer")
        if leader.organisation is not None and leader.organisation not in orgs:
            raise RulesError(f"{path.name}: {leader.name}: organisation {leader.organisation!r} is not in the gazetteer")
        _fold_all(path, leader.name, [leader.name, *leader.aliases])


def load_rules(rules_dir: Path) -> RuleSet:
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        raise RulesError(f"rules directory not found: {rules_dir}")
    paths = rule_files(rules_dir)
    if not paths:
        raise RulesError(f"no rule files (*.yaml) in {rules_dir}")
    digest = hashlib.sha256()
    docs: list[tuple[Path, Any]] = []
    for path in paths:
        try:
            data = path.read_bytes()
            raw = yaml.safe_load(data.decode("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesError(f"{path.name}: cannot read: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" line {mark.line + 1}" if mark else ""
            raise RulesError(f"{path.name}:{at}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
        digest.update(path.name.encode() + b"\0" + data + b"\0")
        docs.append((path, _validate(path, raw)))

    singles: dict[str, tuple[Path, Any]] = {}
    categories: dict[str, tuple[Path, CategoryFile]] = {}
    shared: list[tuple[Path, SharedLexiconsFile]] = []
    for path, doc in docs:
        if isinstance(doc, SharedLexiconsFile):
            shared.append((path, doc))
        elif isinstance(doc, CategoryFile):
            if doc.category in categories:
                other = categories[doc.category][0].name
                raise RulesError(f"{path.name}: category {doc.category} is also defined in {other}")
            categories[doc.category] = (path, doc)
        elif doc.kind in singles:
            raise RulesError(f"{path.name}: a second '{doc.kind}' file (first: {singles[doc.kind][0].name})")
        else:
            singles[doc.kind] = (path, doc)
    for kind in ("manifest", "stance", "gazetteer", "roles"):
        if kind not in singles:
            raise RulesError(f"{rules_dir}: no '{kind}' file (a YAML file with 'kind: {kind}')")
    if not categories:
        raise RulesError(f"{rules_dir}: no 'category' file")

    lexicons: dict[str, list[str]] = {}
    lex_file: dict[str, str] = {}
    rule_ids: dict[str, str] = {}
    owners: list[tuple[Path, Any]] = [*shared, *categories.values()]
    for path, owner in owners:
        for name, lex in owner.lexicons.items():
            if name in lexicons:
                raise RulesError(f"{path.name}: lexicon {name!r} is also defined in {lex_file[name]}")
            if name == ACTORS_LEXICON:
                raise RulesError(f"{path.name}: lexicon name {name!r} is reserved for gazetteer mentions")
            lexicons[name] = _fold_all(path, f"lexicon {name}", lex.terms)
            lex_file[name] = path.name
    for path, cat in categories.values():
        for item in (*cat.rules, *cat.exclusions):
            if item.id in rule_ids:
                raise RulesError(f"{path.name}: rule {item.id}: duplicate id (also in {rule_ids[item.id]})")
            rule_ids[item.id] = path.name
    for path, cat in categories.values():
        _check_category(path, cat, lexicons)
        for exc in cat.exclusions:
            _fold_all(path, f"rule {exc.id}", exc.terms)
    stance_path, stance = singles["stance"]
    for cue in stance.cues:
        _fold_all(stance_path, f"rule {cue.id}", cue.terms)

    roles_path, roles = singles["roles"]
    for name in roles.goods_lexicons:
        if name not in lexicons:
            raise RulesError(f"{roles_path.name}: goods_lexicons: unknown lexicon {name!r}")
    gazetteer: GazetteerFile = singles["gazetteer"][1]
    leaders: LeadersFile | None = singles["leaders"][1] if "leaders" in singles else None
    if leaders is not None:
        _check_leaders(singles["leaders"][0], leaders, gazetteer)

    manifest: ManifestFile = singles["manifest"][1]
    return RuleSet(
        version=f"{manifest.version}+{digest.hexdigest()[:10]}",
        categories={name: doc for name, (_, doc) in sorted(categories.items())},
        lexicons=lexicons,
        stance=stance,
        gazetteer=gazetteer,
        roles=roles,
        leaders=leaders,
        files=[p.name for p in paths],
    )
