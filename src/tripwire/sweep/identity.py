"""A sweep store's identity: what a store must agree on to be resumed, its hash, and the
differences to another sweep in words (for the message that refuses a resume).

The identity holds the world's hash, the design (with a hash of its points), the seed, the trials
per point and the engine version; a model that names itself (:class:`~tripwire.sweep.models.Model`)
adds its name and years.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from .._version import __version__
from .models import get_model

if TYPE_CHECKING:
    from .plan import SweepPlan

__all__ = ["identity", "identity_hash", "differences"]


def identity(plan: SweepPlan) -> dict[str, Any]:
    """What a store must agree on to be resumed: world, design, seed, trials, engine version."""
    ident = {
        "world_hash": plan.world.hash,
        "design": plan.design.to_dict(),
        "seed": plan.seed,
        "trials": plan.trials,
        "engine_version": __version__,
    }
    if get_model(plan.model).names_itself:  # crisis stores keep the identity they always had
        ident.update(model=plan.model, years=plan.years)
    return ident


def identity_hash(obj: Any) -> str:
    """SHA-256 of an identity (or any JSON-ready object), independent of key order."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(obj, list) and any(isinstance(v, dict | list) for v in obj):
        out = {}
        for k, v in enumerate(obj):
            out.update(_flatten(v, f"{prefix}[{k}]"))
        return out
    return {prefix: obj}


def _world_diff(stored: str, current: str, limit: int = 6) -> str:
    a, b = _flatten(json.loads(stored)), _flatten(json.loads(current))
    keys = [k for k in dict.fromkeys([*a, *b]) if a.get(k, "<absent>") != b.get(k, "<absent>")]
    parts = [f"{k}: {a.get(k, '<absent>')!r} -> {b.get(k, '<absent>')!r}" for k in keys[:limit]]
    return "; ".join(parts) + (f"; ... ({len(keys)} differences)" if len(keys) > limit else "")


def differences(stored: dict[str, Any], plan: SweepPlan) -> list[str]:
    """What differs between the store with attributes ``stored`` and ``plan``, in words (empty: the
    store was made by this sweep)."""
    sweep = json.loads(stored["sweep"])
    want = identity(plan)
    diffs = []
    if sweep["world_hash"] != want["world_hash"]:
        diffs.append(
            f"world: the store was made from {stored.get('world_name')!r} (hash {sweep['world_hash'][:12]}), "
            f"this sweep uses {plan.world.name!r} (hash {want['world_hash'][:12]}); "
            + _world_diff(stored["world"], plan.world.to_json())
        )
    a, b = sweep["design"], want["design"]
    if a["kind"] != b["kind"]:
        diffs.append(f"design: the store has a {a['kind']} design, this sweep a {b['kind']} design")
    elif list(a["params"]) != list(b["params"]):
        diffs.append(f"design parameters: the store has {list(a['params'])}, this sweep {list(b['params'])}")
    else:
        for path in a["params"]:
            if a["params"][path] != b["params"][path]:
                diffs.append(
                    f"design values of {path!r}: the store has {a['params'][path]}, "
                    f"this sweep {b['params'][path]}"
                )
        for key in ("n", "seed"):
            if a.get(key) != b.get(key):
                diffs.append(f"design {key}: the store has {a.get(key)}, this sweep {b.get(key)}")
        if not diffs and a["values_sha256"] != b["values_sha256"]:
            diffs.append(
                "design points: the same design now draws other points (a different sampler version?)"
            )
    for key in ("model", "years"):
        if sweep.get(key) != want.get(key):
            diffs.append(f"{key}: the store has {sweep.get(key)!r}, this sweep {want.get(key)!r}")
    for key, label in (
        ("seed", "seed"),
        ("trials", "trials per point"),
        ("engine_version", "engine version"),
    ):
        if sweep[key] != want[key]:
            diffs.append(f"{label}: the store has {sweep[key]!r}, this sweep {want[key]!r}")
    return diffs
