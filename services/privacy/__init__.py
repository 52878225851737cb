"""Privacy controls: erasing a customer's conversations and retention purges
(`python -m services.privacy`, see services/privacy/__main__.py and docs/privacy.md)."""
