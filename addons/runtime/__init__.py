"""Per-turn cost fixes for the Rasa process, installed once by its launcher
(scripts/rasa_server.py) before Rasa starts. Each keeps Rasa's behaviour and
only removes repeated work; see bench/README.md ("Load") for the numbers."""
