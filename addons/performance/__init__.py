"""Per-turn cost: changes to how Rasa runs, not to what it decides."""
