"""Backend clients: how actions reach the store's CRM and billing systems.

`crm()` and `billing()` return the configured backends. By default they are
the HTTP clients for the Harbor API (the demo service, or any system that
speaks the same API: set CRM_API_URL / BILLING_API_URL and the tokens). A
company with a different API writes one adapter class implementing
`base.CRMBackend` or `base.BillingBackend` and names it in CRM_ADAPTER /
BILLING_ADAPTER as `package.module:ClassName`; it is built with no arguments
and reads its own configuration.
"""
from __future__ import annotations

import importlib
import os
from functools import lru_cache
from typing import Any

from actions.clients.base import BillingBackend, CRMBackend
from actions.clients.harbor_billing import HarborBilling
from actions.clients.harbor_crm import HarborCRM


def _timeout() -> float:
    return float(os.environ.get("BACKEND_TIMEOUT_SECONDS") or 5)


def _adapter(variable: str) -> Any:
    spec = os.environ.get(variable, "").strip()
    if not spec:
        return None
    module_name, _, class_name = spec.partition(":")
    return getattr(importlib.import_module(module_name), class_name)()


@lru_cache(maxsize=None)
def crm() -> CRMBackend:
    return _adapter("CRM_ADAPTER") or HarborCRM(
        os.environ.get("CRM_API_URL", "http://localhost:8090/crm/v1"),
        os.environ.get("CRM_API_TOKEN", ""), _timeout())


@lru_cache(maxsize=None)
def billing() -> BillingBackend:
    return _adapter("BILLING_ADAPTER") or HarborBilling(
        os.environ.get("BILLING_API_URL", "http://localhost:8090/billing/v1"),
        os.environ.get("BILLING_API_TOKEN", ""), _timeout())
