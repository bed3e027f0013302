"""The Bot Framework's token signing, faked on a loopback port: an OpenID configuration
and its signing keys, and tokens as the Teams channel signs them.

botbuilder fetches the OpenID document and the keys with synchronous `requests`, so a
plain `http.server` in a thread serves them. Point the bot at it with
`TEAMS_OPENID_METADATA_URL=<metadata_url>`; everything else keeps the public cloud's
values (issuer https://api.botframework.com, endorsement "msteams").

    with FakeBotFrameworkAuth() as auth:
        token = auth.token(app_id=APP_ID, service_url=connector.url)
"""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from testing.fakes.loopback import LoopbackHttpServer, QuietHandler, send_json
from testing.fakes.served import ServedFake

ISSUER = "https://api.botframework.com"
KEY_ID = "inbreng-test-key"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeBotFrameworkAuth(ServedFake):
    def __init__(self) -> None:
        self.key = new_key()
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=KEY_ID, use="sig", endorsements=["msteams"])
        self._keys = {"keys": [jwk]}
        self._server: LoopbackHttpServer | None = None

    def start(self) -> FakeBotFrameworkAuth:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                documents = {
                    "/.well-known/openidconfiguration": {
                        "issuer": ISSUER,
                        "jwks_uri": f"{fake.base_url}/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    },
                    "/keys": fake._keys,
                }
                document = documents.get(self.path)
                body = json.dumps(document).encode()
                send_json(self, 200 if document is not None else 404, body)

        self._server = LoopbackHttpServer(Handler)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        return self._server.base_url

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/.well-known/openidconfiguration"

    def token(
        self,
        *,
        app_id: str,
        service_url: str | None,
        expires_in: float = 3600,
        key: rsa.RSAPrivateKey | None = None,
        issuer: str = ISSUER,
    ) -> str:
        """A token as the channel signs it; `key` another key to forge one; `service_url`
        None: a token that vouches for no service URL."""
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": issuer,
            "aud": app_id,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": int(now + expires_in),
        }
        if service_url is not None:
            claims["serviceurl"] = service_url
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": KEY_ID})
