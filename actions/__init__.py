"""Harbor's custom actions, one module per area of the store's support.

rasa-sdk imports every module of this package and registers its actions.
"""
