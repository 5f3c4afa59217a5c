"""Every default of the world model, in one place.

A world file may leave these out; validation fills them in, and the resolved world (stored with
every result) records the values used.

Treaty defaults by kind
-----------------------
=============  ===========  ======================  ==============================================
kind           reliability  trigger                 reasoning
=============  ===========  ======================  ==============================================
defense        0.75         the ladder's ``war``    Leeds, Long & Mitchell (2000): 74.5 % of
                                                    alliance commitments were honoured
offense        0.75         the ladder's ``war``    same source
entente        0.50         the ladder's ``war``    looser than a pact: roughly Sabrosky's share of
                                                    allies that did not stand aside, rounded up
consultation   0.50         level 0 (first level)   consultation is owed as soon as a crisis opens
neutrality     1.00         (none)                  pledges bind; their reliability is not used by
nonaggression  1.00         (none)                  the crisis model (DESIGN §2.3 step 3)
=============  ===========  ======================  ==============================================

Rivalries default to ``hostility = 0.5`` and trigger at the ladder's ``war`` level.

Borders
-------
A border makes each neighbour of a participant a possible joiner against it (one chance per
border and direction), from the ladder's ``war`` level, with a joining probability by contiguity
type: ``land 0.05, sea12 0.03, sea24 0.02, sea150 0.01, sea400 0.005``. These are assumptions of
the right order, not estimates: in MID 5.0 half of all war joiners had no alliance tie to their
side, and joining falls with distance; a calibrated profile (``tripwire calibrate``) replaces them.

Escalation defaults
-------------------
``up = 0.3`` for every level below the top, ``settle = 0.2`` for every level, ``deterrence = 1``,
``misperception = 0``, ``max_rounds = 50``. The default ladder is
``crisis, militarized, clash, war, general_war`` with ``war`` as the war level.
Policy knobs default to 0 (no policy, no defection).
"""

from __future__ import annotations

PLEDGE_KINDS = ("neutrality", "nonaggression")

RELIABILITY = {
    "defense": 0.75,
    "offense": 0.75,
    "entente": 0.5,
    "consultation": 0.5,
    "neutrality": 1.0,
    "nonaggression": 1.0,
}

#: Stands for "the ladder's war level, whatever it is named" in the trigger defaults.
WAR_LEVEL = "<war>"

#: Default trigger by kind: ``WAR_LEVEL``, a level index, or ``None`` (pledges have no trigger).
TRIGGER: dict[str, str | int | None] = {
    "defense": WAR_LEVEL,
    "offense": WAR_LEVEL,
    "entente": WAR_LEVEL,
    "consultation": 0,
    "neutrality": None,
    "nonaggression": None,
}

RIVALRY_HOSTILITY = 0.5
RIVALRY_TRIGGER = WAR_LEVEL

#: Joining probability of a neighbour against a participant, by contiguity type (COW direct
#: contiguity: land or river; water of at most 12, 24, 150, 400 miles). See "Borders" above.
BORDER_JOINING = {"land": 0.05, "sea12": 0.03, "sea24": 0.02, "sea150": 0.01, "sea400": 0.005}
BORDER_TRIGGER = WAR_LEVEL

LADDER_LEVELS = ("crisis", "militarized", "clash", "war", "general_war")
LADDER_WAR = "war"

UP = 0.3
SETTLE = 0.2
DETERRENCE = 1.0
MISPERCEPTION = 0.0
MAX_ROUNDS = 50

# -- history (back-tests and calibration; tripwire.history) ----------------------------------------
#: The MID ladder: hostility levels 2-5 (COW MID 5.0 codebook); level 1 is participant-only.
MID_LADDER_LEVELS = ("threat", "display", "use", "war")
#: Trigger level of each joining channel in back-tests and fitted profiles (fixed, not fitted).
#: Source: MID 5.0 training disputes: 7 % of display-level and 9 % of use-level disputes have a
#: joiner, 44 % of war-level ones, and joiners most often enter with a display of force (194 of
#: 574 joiner rows have hostility level 3); so consultation, entente and rivalry edges pull from
#: ``display`` and defence, offence and borders (the model's border default) at ``war``.
HISTORY_TRIGGERS = {
    "defense": "war",
    "offense": "war",
    "entente": "display",
    "consultation": "display",
    "rivalry": "display",
    "border": "war",
}
#: Eras of era-dependent profile values: war share of disputes 0.108 before 1945 and 0.017 after,
#: honoured commitments 0.66 and 0.22 (MID 5.0; Berkemeier & Fuhrmann 2018).
ERA_SPLIT_YEAR = 1945
