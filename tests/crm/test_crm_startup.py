"""The database survives restarts; --reset reloads the demo data."""
from tests.support.crm import clients, start_demo_crm


def _status_of_order_10234(tmp_path, reset=False, cancel=False):
    srv = start_demo_crm(tmp_path, reset=reset)
    try:
        crm = clients(srv)["crm"]
        if cancel:
            assert crm.post("/orders/10234/cancel").status == 200
        return crm.get("/orders/10234").body["status"]
    finally:
        srv.stop()


def test_changes_survive_a_restart_and_reset_restores_the_seed(tmp_path):
    assert _status_of_order_10234(tmp_path, cancel=True) == "cancelled"
    assert _status_of_order_10234(tmp_path) == "cancelled"  # not reseeded over
    assert _status_of_order_10234(tmp_path, reset=True) == "processing"
