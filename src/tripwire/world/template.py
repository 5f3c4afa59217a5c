"""A commented world template: a complete, valid world that uses every key of the world file
(``tripwire new`` writes it; ``docs/world-file.md`` shows it as its complete example)."""

from __future__ import annotations

import textwrap

from .. import defaults
from . import kinds

#: A complete, valid world that uses every key of the world file, each with a comment. ``{name}``
#: is replaced by the world's name.
TEMPLATE = """\
# A tripwire world file: five invented states, every key of the format, each with a comment.
# Edit it, then `tripwire validate {file}` checks it and `tripwire run {file}` runs it.
# The format (every key, type, default and rule): docs/world-file.md. The model: docs/model.md.
# Keys marked "optional" may be left out; the default named in the comment is then used.

name: {name}                      # required: labels the results
description: >-                   # optional: the question this world answers (tripwire scenarios shows it)
  If Arcadia opens a crisis with Borduria, how likely is a war, and do Caledonia, Dorado and
  Elbonia join it?
year: 2025                        # optional: the year described (profiles with values by era need it)
profile: null                     # optional: a fitted profile (e.g. mid5) fills every value left out;
                                  # it brings its own ladder: use it without `ladder` (docs/history.md)

# optional: the escalation ladder, lowest level first (at least one level), and the level that
# counts as war (a name or an index). Default: crisis, militarized, clash, war, general_war.
ladder:
  levels: [crisis, militarized, clash, war, general_war]
  war: war

# optional: per-round hazards. `up` has one value per level except the top (the hazard of
# climbing from that level), `settle` one per level (the hazard of the crisis ending there); one
# number instead of a list applies to every level. Defaults: up 0.3, settle 0.2.
escalation:
  up: [0.35, 0.30, 0.30, 0.25]
  settle: [0.25, 0.20, 0.15, 0.10, 0.05]
  deterrence: 1.0       # >= 0 (default 1): how strongly the target's backing lowers the hazard of climbing
  misperception: 0.3    # >= 0 (default 0): spread of the initiator's error about that backing (lognormal)
  max_rounds: 40        # whole number >= 0 (default 50): escalation steps before the crisis is cut off

# optional: conflict-prevention policies, each in [0, 1], default 0 (no policy)
policy:
  communication: 0.0          # shrinks misperception: sigma * (1 - communication)
  dispute_resolution: 0.0     # raises settling: 1 - (1 - settle) * (1 - dispute_resolution)
  confidence_building: 0.0    # lowers climbing below war: up * (1 - confidence_building)
  defection: 0.0              # an ally that fails its obligation joins the other side with this probability

# required: at least two states. `code` is unique (COW abbreviations are usual); `capability`
# >= 0 (e.g. a COW CINC score: only ratios matter). Optional: `name` (default: the code),
# `ccode` (COW numeric code), `major` (major-power status).
states:
  - {{code: ARC, name: Arcadia, capability: 0.30, major: true, ccode: 901}}
  - {{code: BOR, name: Borduria, capability: 0.10}}
  - {{code: CAL, name: Caledonia, capability: 0.25, major: true}}
  - {{code: DOR, name: Dorado, capability: 0.20}}
  - {{code: ELB, name: Elbonia, capability: 0.15}}

{treaty_kinds}
treaties:
  - name: Borduria-Caledonia Pact          # names label the results: keep them unique
    kind: defense                           # pulls Caledonia to Borduria's side when Borduria is the target
    members: [BOR, CAL]
    reliability: 0.75
    trigger: clash
    signed: 1990
  - {{name: Arcadia-Dorado Alliance, kind: offense, members: [ARC, DOR]}}   # reliability, trigger by kind
  - {{name: Caledonia-Elbonia Entente, kind: entente, members: [CAL, ELB], reliability: 0.5, trigger: war}}
  - {{name: Elbonian Guarantee, kind: defense, members: [ELB, BOR], guarantors: [ELB], trigger: crisis}}
  - {{name: Dorado-Elbonia Neutrality Pact, kind: neutrality, members: [DOR, ELB]}}   # a pledge: no draw
  - name: Northern Consultation Treaty
    kind: consultation
    members: [ARC, BOR, CAL]
    signed: 1975
    ended: 2030
    atopid: 9999                            # an invented id: real ones come from ATOP
    term: 10                                # long-horizon model only: years to the first renewal
    review: 5                               # ... years between later renewal decisions
    renewal: 0.8                            # ... the probability of renewing at each decision

# optional: rivalries (unordered pairs). A rival may join against a participant with probability
# `hostility` in [0, 1] (default 0.5) once the crisis reaches `trigger` (default: war).
rivalries:
  - {{states: [ARC, CAL], hostility: 0.6, trigger: war}}
  - {{states: [DOR, BOR], hostility: 0.3, trigger: clash, types: [spatial]}}   # types: optional (Thompson)

# optional: borders (COW direct contiguity). A neighbour of a participant may join against it with
# a probability by contiguity type (land; sea12, sea24, sea150, sea400: across at most that many
# miles of water), from the war level; `neighbours` changes those defaults for the whole world.
neighbours:
  joining: {{land: 0.05, sea12: 0.03, sea24: 0.02, sea150: 0.01, sea400: 0.005}}
  trigger: war
borders:
  - {{states: [ARC, BOR], type: land}}
  - {{states: [CAL, ELB], type: sea24, joining: 0.02, trigger: war}}   # this border's own values

# required: where crises start. A list of origins with weights >= 0 (default 1; one is drawn per
# trial in proportion to its weight), or the word `rivalries` (every rival dyad, both ways,
# weighted by hostility). A side may list several states: all of them start the crisis.
origins:
  - {{initiator: ARC, target: BOR, weight: 2.0}}
  - {{initiator: DOR, target: CAL, weight: 1.0}}
  - {{initiator: [ARC, DOR], target: [CAL, ELB], weight: 0.5}}

# optional: the long-horizon model (`tripwire horizon`; every key in docs/horizon.md). The crisis
# model (`tripwire run`) ignores it.
horizon:
  years: 40
"""


def _and(words: list[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _treaty_kinds() -> str:
    """The comment on treaties: the kinds and their default reliabilities and triggers, from the
    table of treaty kinds."""
    table = kinds.KINDS.values()
    by_reliability: dict[float, list[str]] = {}
    for k in table:
        if not k.pledge:
            by_reliability.setdefault(k.reliability, []).append(k.name)
    reliability = ", ".join(f"{_and(names)} {value:g}" for value, names in by_reliability.items())
    other = [
        f"{k.name} {'the first level' if k.trigger == 0 else f'level {k.trigger}'}"
        for k in table
        if not k.pledge and k.trigger != defaults.WAR_LEVEL
    ]
    text = (
        f"optional: treaties. `kind` is {_and(list(kinds.names()), 'or')}; `members` lists at least two "
        "state codes. Optional: `reliability` in [0, 1] (the probability that one member honours its "
        f"obligation to another; default by kind: {reliability}), `trigger` (the level at which the "
        f"obligation is called on; default war{''.join(', ' + x for x in other)}), `guarantors` (a "
        "one-way treaty: only they owe the other members), `signed` / `ended` years and an ATOP "
        "`atopid` (records only)."
    )
    return textwrap.fill(text, width=98, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False)


def template(name: str, file: str = "FILE") -> str:
    """The commented template for a world called ``name``."""
    return TEMPLATE.format(name=name, file=file, treaty_kinds=_treaty_kinds())
