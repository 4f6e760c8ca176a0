"""A small local Stripe: the HTTP endpoints the app calls, spoken to the real SDK.

Covers Checkout Sessions (payment mode, manual capture), PaymentIntents (retrieve,
capture, cancel), Charges and Refunds, with Stripe's form-encoded requests, JSON
objects, error bodies and ``Idempotency-Key`` replay. Besides the API it serves a
checkout page (``/pay/<session>``) a browser can "pay" on, and it can deliver
events to a webhook URL signed with Stripe's scheme (``t=…,v1=HMAC-SHA256``).
Tests drive it from Python too: ``complete``, ``expire``, ``lapse``, ``down``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.request
from urllib.parse import parse_qsl

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.support import free_port


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload,
                      hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def parse_form(body: str) -> dict:
    """Stripe's bracketed form encoding (``a[b][0][c]=1``) into nested dicts and lists."""
    result: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = result
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(result)


def _lists(node):
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_lists(node[key]) for key in sorted(node, key=int)]
        return {key: _lists(value) for key, value in node.items()}
    return node


class FakeStripe:
    def __init__(self, webhook_secret: str = "whsec_test_fake"):
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.events: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.down = False
        self._replies: dict[str, tuple[int, dict]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeStripe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    # -- objects ----------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}"

    def _event(self, kind: str, data_object: dict) -> dict:
        event = {"id": self._new_id("evt"), "object": "event", "type": kind,
                 "api_version": "2026-10-28.endive", "created": int(time.time()),
                 "data": {"object": json.loads(json.dumps(data_object))}, "livemode": False}
        self.events.append(event)
        return event

    def complete(self, session_id: str, deliver: bool = True) -> dict:
        """The customer pays: the card is authorized (manual capture)."""
        with self._lock:
            session = self.sessions[session_id]
            intent_id, charge_id = self._new_id("pi"), self._new_id("ch")
            self.charges[charge_id] = {
                "id": charge_id, "object": "charge", "payment_intent": intent_id,
                "amount": session["amount_total"], "captured": False, "refunded": False,
                "amount_refunded": 0, "receipt_url": f"{self.base}/receipts/{charge_id}"}
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "status": "requires_capture",
                "amount": session["amount_total"], "amount_capturable": session["amount_total"],
                "amount_received": 0, "capture_method": "manual", "currency": session["currency"],
                "latest_charge": charge_id, "metadata": session["payment_intent_metadata"]}
            session.update(status="complete", payment_intent=intent_id)
            event = self._event("checkout.session.completed", session)
        if deliver:
            self.deliver(event)
        return event

    def expire(self, session_id: str, deliver: bool = True) -> dict:
        with self._lock:
            session = self.sessions[session_id]
            session["status"] = "expired"
            event = self._event("checkout.session.expired", session)
        if deliver:
            self.deliver(event)
        return event

    def lapse(self, intent_id: str, deliver: bool = True) -> dict:
        """The authorization expires unused: Stripe cancels the PaymentIntent."""
        with self._lock:
            intent = self.intents[intent_id]
            intent.update(status="canceled", amount_capturable=0)
            event = self._event("payment_intent.canceled", intent)
        if deliver:
            self.deliver(event)
        return event

    def refund_in_dashboard(self, intent_id: str, deliver: bool = True) -> dict:
        """Someone refunds the charge in Stripe's dashboard."""
        with self._lock:
            charge = self.charges[self.intents[intent_id]["latest_charge"]]
            charge.update(refunded=True, amount_refunded=charge["amount"])
            event = self._event("charge.refunded", charge)
        if deliver:
            self.deliver(event)
        return event

    def pay_stale(self, session_id: str) -> None:
        """An old browser tab pays a checkout the app has since replaced."""
        with self._lock:
            self.sessions[session_id]["status"] = "open"
        self.complete(session_id, deliver=False)

    def deliver(self, event: dict) -> int | None:
        """POST an event to the webhook URL, signed; returns the status (None: no URL)."""
        if not self.webhook_url:
            return None
        payload = json.dumps(event).encode()
        request = urllib.request.Request(self.webhook_url, data=payload, method="POST", headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign(payload, self.webhook_secret)})
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status

    # -- HTTP -------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        return self._handle(request)(environ, start_response)

    def _json(self, status: int, body: dict) -> Response:
        return Response(json.dumps(body), status=status, mimetype="application/json")

    def _error(self, status: int, message: str, kind: str = "invalid_request_error"):
        return status, {"error": {"type": kind, "message": message}}

    def _handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/pay/"):
            return self._checkout_page(request, path.removeprefix("/pay/"))
        if path.startswith("/receipts/"):
            return Response("<h1>Receipt</h1>", mimetype="text/html")
        self.requests.append((request.method, path))
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key and key in self._replies:
            status, body = self._replies[key]  # Stripe replays even a stored 500
            return self._json(status, body)
        if self.down:
            body = self._error(500, "Stripe is unavailable.", "api_error")[1]
            if request.method == "POST" and key:
                self._replies[key] = (500, body)
            return self._json(500, body)
        params = parse_form(request.get_data(as_text=True)) if request.method == "POST" \
            else {}
        with self._lock:
            status, body = self._route(request.method, path, params)
        if request.method == "POST" and key:
            self._replies[key] = (status, body)
        return self._json(status, body)

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        match = re.fullmatch(r"/v1/checkout/sessions(?:/([\w]+))?(/expire)?", path)
        if match:
            if method == "POST" and not match.group(1):
                return self._create_session(params)
            session = self.sessions.get(match.group(1) or "")
            if session is None:
                return self._error(404, "No such checkout.session")
            if match.group(2):
                if session["status"] != "open":
                    return self._error(400, "Only open Checkout Sessions can be expired.")
                session["status"] = "expired"
            return 200, session
        match = re.fullmatch(r"/v1/payment_intents/([\w]+)(?:/(capture|cancel))?", path)
        if match:
            intent = self.intents.get(match.group(1))
            if intent is None:
                return self._error(404, "No such payment_intent")
            action = match.group(2)
            if action and intent["status"] != "requires_capture":
                return self._error(400, f"This PaymentIntent could not be {action}d because "
                                        f"it has a status of {intent['status']}.")
            if action == "capture":
                intent.update(status="succeeded", amount_received=intent["amount"],
                              amount_capturable=0)
                self.charges[intent["latest_charge"]]["captured"] = True
            elif action == "cancel":
                intent.update(status="canceled", amount_capturable=0)
            return 200, intent
        match = re.fullmatch(r"/v1/charges/([\w]+)", path)
        if match:
            charge = self.charges.get(match.group(1))
            return (200, charge) if charge else self._error(404, "No such charge")
        if path == "/v1/refunds" and method == "POST":
            intent = self.intents.get(params.get("payment_intent", ""))
            if intent is None or intent["status"] != "succeeded":
                return self._error(400, "This payment cannot be refunded.")
            charge = self.charges[intent["latest_charge"]]
            if charge["refunded"]:
                return self._error(400, "Charge has already been refunded.")
            charge.update(refunded=True, amount_refunded=charge["amount"])
            return 200, {"id": self._new_id("re"), "object": "refund", "status": "succeeded",
                         "payment_intent": intent["id"], "amount": charge["amount"]}
        return self._error(404, f"Unrecognized request URL ({method}: {path}).")

    def _create_session(self, params: dict) -> tuple[int, dict]:
        try:
            line = params["line_items"][0]
            amount = int(line["price_data"]["unit_amount"]) * int(line.get("quantity", 1))
            currency = line["price_data"]["currency"]
        except (KeyError, IndexError, TypeError, ValueError):
            return self._error(400, "Missing required param: line_items.")
        if params.get("mode") != "payment":
            return self._error(400, "mode must be payment")
        session_id = self._new_id("cs")
        intent_data = params.get("payment_intent_data", {})
        session = {
            "id": session_id, "object": "checkout.session", "mode": "payment",
            "status": "open", "payment_status": "unpaid", "payment_intent": None,
            "amount_total": amount, "currency": currency,
            "url": f"{self.base}/pay/{session_id}", "metadata": params.get("metadata", {}),
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "capture_method": intent_data.get("capture_method"),
            "payment_intent_metadata": intent_data.get("metadata", {}),
        }
        self.sessions[session_id] = session
        return 200, session

    def _checkout_page(self, request: Request, session_id: str) -> Response:
        session = self.sessions.get(session_id)
        if session is None:
            return Response("No such checkout", status=404)
        if request.method == "POST":
            self.complete(session_id)
            return Response(status=303, headers={"Location": session["success_url"]})
        amount = f"${session['amount_total'] / 100:,.2f}"
        return Response(
            "<!doctype html><html lang='en'><head><title>Test checkout</title></head><body>"
            f"<main><h1>Test checkout</h1><p>Amount: {amount}</p>"
            f"<form method='post'><button type='submit'>Pay {amount}</button></form>"
            "</main></body></html>", mimetype="text/html")
