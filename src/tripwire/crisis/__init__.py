"""The crisis-cascade model: compile a world to flat arrays (:mod:`.compile`), run the kernel
(:mod:`.simulate`), and label the tallies with their derived probabilities (:mod:`.results`)."""
