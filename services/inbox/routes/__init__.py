"""HTTP routes, one blueprint per audience: pages, agents' API, the bot's API."""
