"""Custom NLU components referenced from config.yml by module path."""
