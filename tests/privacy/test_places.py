"""Which databases the privacy CLI cleans, from the same variables Rasa uses."""
from services.privacy.stores import Places


def test_defaults_follow_endpoints_yml_sqlite_files():
    places = Places.from_env({"TRACKER_DB": "var/t.db", "EVENT_BROKER_DB": "var/e.db"})
    assert places.tracker_url == "sqlite:///var/t.db"
    assert places.broker_url == "sqlite:///var/e.db"


def test_production_tracker_store_variables_build_a_postgresql_url():
    places = Places.from_env({"TRACKER_DB_HOST": "pg.internal", "TRACKER_DB_PORT": "5432",
                              "TRACKER_DB_NAME": "harbor_tracker", "TRACKER_DB_USER": "rasa",
                              "TRACKER_DB_PASSWORD": "p@ss/word",
                              "EVENT_BROKER_DB_URL": "postgresql://inbox@pg.internal/harbor_events"})
    assert places.tracker_url == "postgresql://rasa:p%40ss%2Fword@pg.internal:5432/harbor_tracker"
    assert places.broker_url == "postgresql://inbox@pg.internal/harbor_events"
    assert Places.from_env({"TRACKER_DB_URL": "sqlite:///x.db",
                            "TRACKER_DB_HOST": "pg"}).tracker_url == "sqlite:///x.db"
