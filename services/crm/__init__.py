"""Demo CRM and billing service for Harbor Goods (see README.md)."""
