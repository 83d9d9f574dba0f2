"""Local stand-ins for the providers' HTTP APIs, for driving the official SDKs in tests.

Each is an ``http.server`` on 127.0.0.1 and a free port, in a thread. It parses the request the
SDK really sends, checks what the provider checks first (action, version, the signature computed
from the secret it knows), records the parsed request, and answers with the response a test sets,
in the provider's format. Nothing leaves the machine."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit


@dataclass
class Received:
    """One request as the provider would see it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    query: dict[str, str]
    body: bytes
    params: dict = field(default_factory=dict)  # the API parameters, wherever the SDK put them


@dataclass
class Answer:
    status: int = 200
    body: dict | str = ""
    content_type: str = "application/json"
    delay: float = 0.0  # seconds before answering: a stuck provider
    headers: dict[str, str] = field(default_factory=dict)


class StandIn:
    """Base: subclasses parse and check a request in ``check`` and may return an Answer that
    overrides the test's (the provider refusing a bad signature before anything else)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answer = Answer()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                stand_in.handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, format, *args):  # quiet test output
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def endpoint(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        url = urlsplit(handler.path)
        request = Received(
            method=handler.command,
            path=url.path,
            headers={name.lower(): value for name, value in handler.headers.items()},
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            body=handler.rfile.read(length) if length else b"",
        )
        answer = self.check(request) or self.answer
        self.received.append(request)
        if answer.delay:
            time.sleep(answer.delay)
        body = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
        data = body.encode()
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            handler.send_header("Content-Length", str(len(data)))
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (read timeout)
            pass

    def check(self, request: Received) -> Answer | None:
        raise NotImplementedError


def hmac_sha256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class AliyunStandIn(StandIn):
    """dysmsapi: an RPC-style API. The SDK puts ``SendSms``'s parameters in the query string
    (``PhoneNumbers``, ``SignName``, ``TemplateCode``, ``TemplateParam``) and, with its default
    ACS3-HMAC-SHA256 signature, the action and version in ``x-acs-action``/``x-acs-version``
    headers; the older signature puts ``Action``/``Version`` in the query or form. Both are read."""

    def __init__(self, *, access_key_id: str, access_key_secret: str) -> None:
        super().__init__()
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret

    def check(self, request: Received) -> Answer | None:
        form = {}
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        request.params = {**request.query, **form}
        request.params.setdefault("Action", request.headers.get("x-acs-action", ""))
        request.params.setdefault("Version", request.headers.get("x-acs-version", ""))
        if request.params["Action"] != "SendSms" or request.params["Version"] != "2017-05-25":
            return self.error(400, "InvalidAction.NotFound", "Specified api is not found.")
        return self.check_signature(request)

    def check_signature(self, request: Received) -> Answer | None:
        """ACS3-HMAC-SHA256, as Aliyun's signature reference describes it: a canonical request of
        method, path, sorted query, the signed headers and the payload hash, signed with the
        secret."""
        authorization = request.headers.get("authorization", "")
        algorithm, _, fields = authorization.partition(" ")
        parts = dict(item.split("=", 1) for item in fields.split(",") if "=" in item)
        if algorithm != "ACS3-HMAC-SHA256" or parts.get("Credential") != self.access_key_id:
            return self.error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        signed = parts["SignedHeaders"].split(";")
        query = "&".join(f"{key}={quote(value, safe='~')}" for key, value in sorted(request.query.items()))
        headers = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed)
        payload = hashlib.sha256(request.body).hexdigest()
        if request.headers.get("x-acs-content-sha256") != payload:
            return self.error(400, "IncompleteSignature", "The request signature does not conform.")
        canonical = "\n".join(
            [request.method, request.path or "/", query, headers, ";".join(signed), payload]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac_sha256(self.access_key_secret.encode(), to_sign).hex()
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            return self.error(400, "SignatureDoesNotMatch", "Specified signature is not matched.")
        return None

    @staticmethod
    def error(status: int, code: str, message: str) -> Answer:
        return Answer(
            status,
            {"RequestId": "A1B2C3D4", "HostId": "dysmsapi.aliyuncs.com", "Code": code, "Message": message},
        )

    @staticmethod
    def sent(biz_id: str = "900619746936498440^0") -> Answer:
        return Answer(
            200, {"Code": "OK", "BizId": biz_id, "Message": "OK", "RequestId": "F655A8D5-B967-440B"}
        )

    @staticmethod
    def refused(code: str, message: str = "") -> Answer:
        """A business error: HTTP 200 with the code in the body, as SendSms answers them."""
        return Answer(200, {"Code": code, "Message": message or code, "RequestId": "F655A8D5-B967-440B"})


class TencentStandIn(StandIn):
    """sms 2021-01-11: a JSON body (``PhoneNumberSet``, ``SmsSdkAppId``, ``SignName``,
    ``TemplateId``, ``TemplateParamSet``), the action in ``X-TC-Action`` and a TC3-HMAC-SHA256
    signature over content-type and host."""

    def __init__(self, *, secret_id: str, secret_key: str) -> None:
        super().__init__()
        self.secret_id = secret_id
        self.secret_key = secret_key

    def check(self, request: Received) -> Answer | None:
        request.params = json.loads(request.body or b"{}")
        if (
            request.headers.get("x-tc-action") != "SendSms"
            or request.headers.get("x-tc-version") != "2021-01-11"
        ):
            return self.error("InvalidAction", "The action does not exist.")
        return self.check_signature(request)

    def check_signature(self, request: Received) -> Answer | None:
        """TC3-HMAC-SHA256 as Tencent's signature v3 reference describes it: keys derived from
        the secret, the date and the service, over a canonical request of the signed headers and
        the payload hash."""
        authorization = request.headers.get("authorization", "")
        algorithm, _, fields = authorization.partition(" ")
        parts = dict(item.strip().split("=", 1) for item in fields.split(",") if "=" in item)
        secret_id, date, service, _scope = (parts.get("Credential", "").split("/") + ["", "", "", ""])[:4]
        if algorithm != "TC3-HMAC-SHA256" or secret_id != self.secret_id:
            return self.error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        timestamp = request.headers.get("x-tc-timestamp", "")
        if datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") != date:
            return self.error("AuthFailure.SignatureFailure", "The date does not match the timestamp.")
        signed = parts["SignedHeaders"].split(";")
        headers = "".join(f"{name}:{request.headers.get(name, '').strip().lower()}\n" for name in signed)
        payload = hashlib.sha256(request.body).hexdigest()
        canonical = "\n".join([request.method, request.path, "", headers, ";".join(signed), payload])
        scope = f"{date}/{service}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = hmac_sha256(
            hmac_sha256(hmac_sha256(f"TC3{self.secret_key}".encode(), date), service), "tc3_request"
        )
        if not hmac.compare_digest(
            hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), parts.get("Signature", "")
        ):
            return self.error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        return None

    @staticmethod
    def error(code: str, message: str) -> Answer:
        """A request-level error: HTTP 200 with Response.Error, as Tencent's API 3.0 answers."""
        return Answer(
            200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "ed93f3cb-f35e"}}
        )

    @staticmethod
    def status(
        code: str = "Ok", message: str = "send success", serial_no: str = "5000:1045710669157053657849499619"
    ) -> Answer:
        """A per-number answer inside SendStatusSet: a 200 that may still carry a refusal."""
        return Answer(
            200,
            {
                "Response": {
                    "SendStatusSet": [
                        {
                            "SerialNo": serial_no if code == "Ok" else "",
                            "PhoneNumber": "+8613800138000",
                            "Fee": 1 if code == "Ok" else 0,
                            "SessionContext": "",
                            "Code": code,
                            "Message": message,
                            "IsoCode": "CN",
                        }
                    ],
                    "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
                }
            },
        )
