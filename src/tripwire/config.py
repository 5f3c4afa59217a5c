"""The config base: strict pydantic models, the unique-key YAML loader and the error formatting
that world files, sweep files and cluster files share.

:class:`StrictModel` refuses unknown keys (listing the valid ones and suggesting the closest),
reports every problem of a file in one round and refuses an assignment that does not validate;
:func:`format_errors` writes pydantic's errors one line per problem; :func:`read_mapping` reads a
YAML file in which a key given twice is an error.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from .errors import WorldError

__all__ = [
    "StrictModel",
    "OneOf",
    "Probability",
    "NonNegative",
    "UniqueKeyLoader",
    "format_errors",
    "problems",
    "read_mapping",
    "read_text",
]

_MISSING = object()


class OneOf:
    """Field metadata: a text that must be one of ``choices()``, read each time a value is validated
    (so the choices may come from a table that grows after the models are built). The error reads
    like a ``Literal``'s: ``Input should be 'a', 'b' or 'c'``."""

    def __init__(self, choices: Callable[[], Sequence[str]]) -> None:
        self.choices = choices

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self._check, json_schema_input_schema=core_schema.str_schema()
        )

    def _check(self, value: Any) -> str:
        allowed = tuple(self.choices())
        if isinstance(value, str) and value in allowed:
            return value
        shown = [repr(a) for a in allowed]
        expected = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})


Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class StrictModel(BaseModel):
    """Base model: unknown keys are errors that list the valid keys and suggest the closest one."""

    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in type(self).model_fields:
            super().__setattr__(name, value)
            return
        old = self.__dict__.get(name, _MISSING)
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            if old is not _MISSING:  # pydantic keeps a value that a model-level rule refused
                self.__dict__[name] = old
            what = f"{type(self).__name__.lower()}.{name} = {value!r}"
            lines = [x.removeprefix(f"{name}: ") for x in format_errors(exc).splitlines()]
            detail = lines[0] if len(lines) == 1 else "\n" + "\n".join(lines)
            raise WorldError(f"{what} was refused (the value is unchanged): {detail}") from None

    @model_validator(mode="wrap")
    @classmethod
    def _all_problems(cls, data: Any, handler: Any) -> Any:
        """Validate, reporting unknown keys together with every other problem (one round)."""
        unknown = ""
        if isinstance(data, dict):
            known = set(cls.model_fields)
            extra = [k for k in data if k not in known]
            if extra:
                hints = []
                for key in extra:
                    close = difflib.get_close_matches(str(key), known, n=1)
                    hints.append(f"'{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
                unknown = (
                    f"unknown key {', '.join(hints)} in {cls.__name__.lower()}; "
                    f"valid keys: {', '.join(sorted(known))}"
                )
                data = {k: v for k, v in data.items() if k in known}
        try:
            result = handler(data)
        except ValidationError as exc:
            errors = exc.errors()
            more = [unknown] if unknown else []
            if isinstance(data, dict) and not any(e["loc"] == () for e in errors):
                more += cls._more_problems(data)  # rules of the whole model, checked on the raw data
            if not more:
                raise
            details = [
                InitErrorDetails(type=e["type"], loc=e["loc"], input=e["input"], ctx=e.get("ctx", {}))
                for e in errors
            ]
            details += [
                InitErrorDetails(type=PydanticCustomError("tripwire", "{m}", {"m": m}), loc=(), input=data)
                for m in more
            ]
            raise ValidationError.from_exception_data(exc.title, details) from None
        if unknown:
            raise ValueError(unknown)
        return result

    @classmethod
    def _more_problems(cls, data: dict) -> list[str]:
        """Problems a model's own rules find in raw ``data`` whose fields did not all validate
        (so that every problem is reported in one round); none by default."""
        return []


# -- YAML ---------------------------------------------------------------------------------------
class UniqueKeyLoader(yaml.SafeLoader):
    """YAML loader that rejects a key given twice in one mapping (a silent overwrite otherwise)."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice in one mapping", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


_PLAIN_TAGS = {"float", "int", "str", "bool", "none"}


def _is_tag(part: Any) -> bool:
    """Whether a location part names a branch of a union (pydantic's internal labels such as
    ``list[constrained-float]`` or ``literal['rivalries']``) rather than a key or an index."""
    if not isinstance(part, str):
        return False
    return part in _PLAIN_TAGS or "-" in part or ("[" in part and part.endswith("]"))


def _describe_tag(tag: str) -> str:
    if tag.startswith(("list[", "tuple[", "set[")):
        return "a list"
    if tag.startswith("literal["):
        return " or ".join(x.strip() for x in tag[len("literal[") : -1].split(","))
    if tag.endswith("float"):
        return "a number"
    if tag.endswith("int"):
        return "a whole number"
    if tag.endswith("str"):
        return "text"
    if tag.endswith("bool"):
        return "true or false"
    if tag == "none":
        return "nothing"
    if tag.startswith(("function-", "model[", "dict[")):
        return "a mapping of keys"
    return tag


def _seen(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    return repr(value)


def _without_unions(errors: list[Any]) -> list[dict]:
    """Errors with union branches resolved: where the input had the right shape for one branch
    (its errors lie deeper), only that branch's errors; otherwise one error listing what the
    branches expect."""
    while any(_is_tag(p) for e in errors for p in e["loc"]):
        out: list[dict] = []
        groups: dict[tuple, dict[str, list[dict]]] = {}  # location of a union -> branch -> errors
        for e in errors:
            k = next((i for i, p in enumerate(e["loc"]) if _is_tag(p)), None)
            if k is None:
                out.append(e)
                continue
            prefix = tuple(e["loc"][:k])
            if prefix not in groups:
                groups[prefix] = {}
                out.append({"group": prefix})
            groups[prefix].setdefault(e["loc"][k], []).append(
                {**e, "loc": (*prefix, *e["loc"][k + 1 :]), "depth": len(e["loc"]) - k - 1}
            )
        errors = []
        for e in out:
            if "group" not in e:
                errors.append(e)
                continue
            prefix = e["group"]
            branches = groups[prefix]
            deep = [errs for errs in branches.values() if any(x["depth"] > 0 for x in errs)]
            if deep:
                errors += sorted(deep, key=len)[0]
                continue
            wanted = list(dict.fromkeys(_describe_tag(t) for t in branches))
            first = next(iter(branches.values()))[0]
            msg = f"expected {' or '.join(wanted)}, saw {_seen(first['input'])}"
            errors.append({"type": "tripwire", "loc": prefix, "msg": msg, "input": first["input"]})
    return errors


def format_errors(exc: ValidationError) -> str:
    """One line per problem: where it is, what is wrong, what was seen."""
    lines = []
    for err in _without_unions(exc.errors()):
        loc_parts = list(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing" and loc_parts:
            msg = f"missing required key '{loc_parts.pop()}'"
        loc = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc_parts).replace(".[", "[")
        seen = err.get("input")
        show_seen = err["type"] not in ("value_error", "missing", "extra_forbidden", "tripwire")
        for part in msg.split("\n"):
            repeats = loc and part.startswith((f"{loc}.", f"{loc}:", f"{loc}["))
            lines.append(f"{loc}: {part}" if loc and not repeats else part)
        if show_seen:
            lines[-1] += f" (saw {_seen(seen)})"
    return "\n".join(lines)


def read_text(path: Path, what: str, error: type[ValueError]) -> str:
    """The text of a file that should hold YAML; ``error`` naming the file when it is binary
    (a result file, say) or cannot be read."""
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise error(f"{path}: no permission to read this {what} file") from None
    if raw.startswith((b"CDF", b"\x89HDF")):
        raise error(
            f"{path}: is a netCDF file (a result?), not a {what} file; `tripwire show` prints a result"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise error(f"{path}: is not a text file; a {what} file is YAML text")
    return text


def read_mapping(text: str, label: str, what: str, error: type[ValueError]) -> dict:
    """Parse a YAML file that must hold a mapping (a key given twice is an error); problems raise
    ``error`` naming ``label`` and ``what`` the file is (e.g. ``"world"``)."""
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        raise error(f"{label}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise error(f"{label}: a {what} file must be a mapping of keys, saw {type(data).__name__}")
    return data


def problems(label: str, exc: ValidationError) -> str:
    """``"<label>: N problem(s)"`` and one line per problem (see :func:`format_errors`)."""
    lines = format_errors(exc)
    return f"{label}: {lines.count(chr(10)) + 1} problem(s)\n{lines}"
