"""Reading and writing: result files (:mod:`.results`) and worlds built from ATOP and COW data
(:mod:`.atop`)."""
