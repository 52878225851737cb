"""/openapi.json, written from the same route table the app registers."""
from __future__ import annotations

import re
from typing import Dict, List

from services.crm.routing import Api, Route
from services.crm.errors import BUSINESS_CODES
from services.crm.schemas import ERROR

PARAM = re.compile(r"<([a-z_]+)>")
ERROR_STATUS = {400: "Malformed request or invalid field", 401: "Missing or wrong bearer token",
                403: "Missing, wrong or expired signed link", 404: "Unknown id",
                409: "State conflict", 413: "Body larger than 1 MiB", 422: "Rule violation",
                429: "Too many failed attempts"}


def _error(description: str) -> Dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _operation(api: Api, route: Route) -> Dict:
    words = re.findall(r"[a-z]+", PARAM.sub(r"by_\1", route.path))
    op: Dict = {"summary": route.summary, "tags": [api.name],
                "operationId": "_".join([api.name, route.method.lower(), *words])}
    params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
              for n in PARAM.findall(route.path)]
    params += [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
               for q in route.query]
    if route.changes_state:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "maxLength": 255},
                       "description": "same key on the same route: the first response, nothing changes"})
        op["requestBody"] = {"required": route.body is not None and bool(route.body.get("required")),
                             "content": {"application/json": {"schema": route.body or {"type": "object"}}}}
    if params:
        op["parameters"] = params
    op["responses"] = _responses(api, route)
    if api.tokens:
        op["security"] = [{f"{api.name}_token": []}]
    return op


def _responses(api: Api, route: Route) -> Dict:
    responses = {str(route.status): {"description": "OK" if route.status == 200 else "Created"}}
    codes = list(route.errors) + (["idempotency_key_reused"] if route.changes_state else [])
    statuses = {400, 404} | {BUSINESS_CODES[c] for c in codes}
    if api.tokens:
        statuses.add(401)
    if route.changes_state:
        statuses.add(413)
    for status in sorted(statuses):
        named = [c for c in codes if BUSINESS_CODES[c] == status]
        responses[str(status)] = _error(ERROR_STATUS[status] + (f": {', '.join(named)}" if named else ""))
    return responses


def document(apis: List[Api]) -> Dict:
    paths: Dict[str, Dict] = {}
    for api in apis:
        for route in api.routes:
            path = api.prefix + PARAM.sub(r"{\1}", route.path)
            paths.setdefault(path, {})[route.method.lower()] = _operation(api, route)
    schemes = {f"{api.name}_token": {"type": "http", "scheme": "bearer", "description": api.description}
               for api in apis if api.tokens}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Harbor demo CRM and billing", "version": "1.0.0",
                 "description": "Demo backend for the Harbor support assistant. Errors are "
                                "{\"error\": {\"code\", \"message\"}}; dates YYYY-MM-DD; money \"89.00\"."},
        "paths": paths,
        "components": {"securitySchemes": schemes, "schemas": {"Error": ERROR}},
    }
