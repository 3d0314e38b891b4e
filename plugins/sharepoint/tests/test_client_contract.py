"""Contract tests: every Graph endpoint the client uses, against the emulator on 127.0.0.1.

Each test pins the wire behaviour the sync relies on (status codes, OData error codes, eTags,
paging links, batch envelopes), so the emulator and the client keep each other honest.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
import requests
from secondvictim_sharepoint import (
    AccessDeniedError,
    BadRequestError,
    BatchRequest,
    CertificateCredential,
    ClientCredentialsTokenProvider,
    ClientSecretCredential,
    ConflictError,
    GraphClient,
    MsalTokenProvider,
    NotFoundError,
    PreconditionFailedError,
    RetryPolicy,
    Secret,
    ThrottledError,
    TokenError,
    TransportError,
)
from secondvictim_sharepoint._client import PinnedSession, parse_retry_after
from secondvictim_sharepoint._errors import error_from_response
from secondvictim_sharepoint.emulator import Config, Emulator
from sp_support import PAGE, client_for, provision

SITE_PATH = "/sites/svtest.sharepoint.com:/sites/StaffWellbeing"


def _site(client: GraphClient) -> str:
    return str(client.get(SITE_PATH, {"$select": "id"})["id"])


def _list(client: GraphClient, site: str) -> str:
    return str(client.get(f"/sites/{site}/lists/SV Content", {"$select": "id"})["id"])


# -- identity platform ---------------------------------------------------------------------


def test_token_with_certificate_assertion(emu: Emulator) -> None:
    _, tokens = client_for(emu)
    token = tokens.token()
    assert token.reveal().startswith("emu.")
    assert tokens.token() is token  # cached
    assert tokens.requests == 1
    assert [e["status"] for e in emu.journal("token")] == [200]


def test_token_with_secret(emu: Emulator) -> None:
    _, tokens = client_for(emu, secret=True)
    assert tokens.token().reveal()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"secret": "wrong"}, "invalid_client"),
        ({"scope": "https://graph.microsoft.com/Sites.Read.All"}, "invalid_scope"),
        ({"client_id": "00000000-0000-0000-0000-000000000000"}, "unauthorized_client"),
        ({"tenant": "nosuch.onmicrosoft.com"}, "invalid_request"),
    ],
)
def test_token_errors_are_typed_and_secret_free(emu: Emulator, change: dict[str, str], error: str) -> None:
    secret = change.get("secret", emu.app().secret or "")
    tokens = ClientCredentialsTokenProvider(
        authority_url=emu.url,
        tenant=change.get("tenant", emu.tenant_id),
        client_id=change.get("client_id", emu.sync_client_id),
        credential=ClientSecretCredential(Secret(secret)),
        scope=change.get("scope", f"{emu.url}/.default"),
    )
    with pytest.raises(TokenError) as info:
        tokens.token()
    assert info.value.error == error
    assert "AADSTS" in str(info.value)
    assert secret not in str(info.value) and secret not in repr(info.value)


def test_replayed_or_foreign_certificate_is_refused(emu: Emulator, tmp_path: Any) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path = tmp_path / "other.pem"
    path.write_bytes(pem)
    cred = CertificateCredential.from_pem_file(path, thumbprint="AA" * 20)
    tokens = ClientCredentialsTokenProvider(
        authority_url=emu.url,
        tenant=emu.tenant_id,
        client_id=emu.sync_client_id,
        credential=cred,
        scope=f"{emu.url}/.default",
    )
    with pytest.raises(TokenError, match="thumbprint"):
        tokens.token()


def test_msal_provider_over_tls_emulator() -> None:
    """The production token path (MSAL, https authority, CA bundle) works end to end."""
    with Emulator(tls=True, secret_seed="tls") as emu:
        assert emu.ca_path is not None
        session = PinnedSession()
        session.verify = str(emu.ca_path)
        tokens = MsalTokenProvider(
            authority_url=emu.url,
            tenant=emu.tenant_id,
            client_id=emu.sync_client_id,
            credential=CertificateCredential.from_pem_file(emu.certificate_file()),
            scope=f"{emu.url}/.default",
            session=session,
            instance_discovery=False,
        )
        first = tokens.token()
        assert tokens.token() == first  # MSAL's cache
        refreshed = tokens.token(force_refresh=True)
        assert refreshed != first
        assert len(emu.journal("token")) == 2
        assert emu.journal("discovery")  # MSAL did OIDC discovery against the emulator
        graph = PinnedSession()
        graph.verify = str(emu.ca_path)
        client = GraphClient(graph_url=emu.url, token_provider=tokens, session=graph, sleep=emu.sleep)
        assert _site(client).startswith("svtest.sharepoint.com,")


def test_msal_provider_reports_bad_secret() -> None:
    with Emulator(tls=True, secret_seed="tls") as emu:
        assert emu.ca_path is not None
        session = PinnedSession()
        session.verify = str(emu.ca_path)
        tokens = MsalTokenProvider(
            authority_url=emu.url,
            tenant=emu.tenant_id,
            client_id=emu.sync_client_id,
            credential=ClientSecretCredential(Secret("not-the-secret")),
            scope=f"{emu.url}/.default",
            session=session,
            instance_discovery=False,
        )
        with pytest.raises(TokenError) as info:
            tokens.token()
        assert info.value.error == "invalid_client"
        assert "not-the-secret" not in str(info.value)


# -- sites and lists -----------------------------------------------------------------------


def test_site_by_path_and_unknown_site(emu: Emulator) -> None:
    client, _ = client_for(emu)
    assert _site(client) == emu.world.site.id
    with pytest.raises(NotFoundError) as info:
        client.get("/sites/svtest.sharepoint.com:/sites/Nope")
    assert info.value.code == "itemNotFound"
    assert info.value.request_id and info.value.client_request_id


def test_every_request_has_client_request_id_and_user_agent(emu: Emulator) -> None:
    client, _ = client_for(emu)
    _site(client)
    _site(client)
    entries = emu.journal("graph")
    ids = [e["client_request_id"] for e in entries]
    assert len(set(ids)) == 2
    assert all(e["user_agent"].startswith("NONISV|Test Trust|") for e in entries)


def test_list_create_needs_manage_and_validates_columns(emu: Emulator) -> None:
    writer, _ = client_for(emu)
    admin, _ = client_for(emu, admin=True, secret=True)
    site = _site(admin)
    body = {"displayName": "X", "columns": [{"name": "A", "text": {}}]}
    with pytest.raises(AccessDeniedError):
        writer.request("POST", f"/sites/{site}/lists", json=body)
    bad = {"displayName": "Y", "columns": [{"name": "B", "text": {}, "enforceUniqueValues": True}]}
    with pytest.raises(BadRequestError, match="requires indexed"):
        admin.request("POST", f"/sites/{site}/lists", json=bad)
    two = {"displayName": "Z", "columns": [{"name": "C", "text": {}, "number": {}}]}
    with pytest.raises(BadRequestError, match="exactly one type facet"):
        admin.request("POST", f"/sites/{site}/lists", json=two)
    assert admin.request("POST", f"/sites/{site}/lists", json=body).status == 201
    with pytest.raises(ConflictError):
        admin.request("POST", f"/sites/{site}/lists", json=body)
    col = admin.request("POST", f"/sites/{site}/lists/X/columns", json={"name": "D", "boolean": {}})
    assert col.status == 201
    names = [c["name"] for c in admin.get(f"/sites/{site}/lists/X/columns")["value"]]
    assert names == ["Title", "A", "D"]


def test_provision_is_one_post_per_list_and_idempotent(emu: Emulator) -> None:
    from secondvictim_sharepoint import SharePointSync, SyncSettings

    admin, _ = client_for(emu, admin=True, secret=True)
    lines = SharePointSync(admin, SyncSettings(Emulator.SITE_URL, pages=True)).provision()
    assert lines[0].startswith("created list 'SV Content'")
    posts = [e for e in emu.journal("graph") if e["method"] == "POST"]
    assert [p["path"].endswith("/lists") for p in posts] == [True, True]
    emu.clear_journal()
    again = SharePointSync(admin, SyncSettings(Emulator.SITE_URL, pages=True)).provision()
    assert again == ["list 'SV Content' already exists", "list 'SV Sync Manifest' already exists"]
    assert all(e["method"] == "GET" for e in emu.journal("graph"))


# -- items ---------------------------------------------------------------------------------


def _seed(client: GraphClient, site: str, lst: str, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        out.append(
            client.request(
                "POST",
                f"/sites/{site}/lists/{lst}/items",
                json={"fields": {"Title": f"t{i}", "SvExternalId": f"signpost:x{i}", "SvSource": "someone"}},
            ).body
        )
    return out


def test_paged_read_follows_next_links_with_select(emu: Emulator) -> None:
    provision(emu)
    client, _ = client_for(emu)
    site = _site(client)
    lst = _list(client, site)
    _seed(client, site, lst, 2 * PAGE + 3)
    emu.clear_journal()
    got = list(
        client.get_paged(
            f"/sites/{site}/lists/{lst}/items",
            {"$select": "id,eTag", "$expand": "fields($select=SvExternalId)", "$top": "999"},
        )
    )
    assert [g["fields"]["SvExternalId"] for g in got] == [f"signpost:x{i}" for i in range(2 * PAGE + 3)]
    assert set(got[0]) == {"@odata.etag", "id", "eTag", "fields"}
    assert set(got[0]["fields"]) == {"@odata.etag", "SvExternalId"}
    assert len(emu.journal("graph")) == 3  # ceil(17 / 7)


def test_top_level_select_of_a_column_is_rejected(emu: Emulator) -> None:
    provision(emu)
    client, _ = client_for(emu)
    site = _site(client)
    with pytest.raises(BadRequestError, match="Title"):
        client.get(f"/sites/{site}/lists/SV Content/items", {"$select": "id,Title"})


def test_filter_needs_an_indexed_column(emu: Emulator) -> None:
    provision(emu)
    client, _ = client_for(emu)
    site = _site(client)
    lst = _list(client, site)
    _seed(client, site, lst, 3)
    hit = client.get(
        f"/sites/{site}/lists/{lst}/items", {"$filter": "fields/SvExternalId eq 'signpost:x1'", "$expand": "fields"}
    )
    assert [v["fields"]["Title"] for v in hit["value"]] == ["t1"]
    with pytest.raises(BadRequestError, match="not indexed"):
        client.get(f"/sites/{site}/lists/{lst}/items", {"$filter": "fields/SvSummary eq 'x'"})
    honoured = client.request(
        "GET",
        f"/sites/{site}/lists/{lst}/items",
        params={"$filter": "fields/Title eq 't2'"},
        headers={"Prefer": "HonorNonIndexedQueriesWarningMayFailRandomly"},
    )
    assert len(honoured.body["value"]) == 1


def test_create_validates_fields_and_uniqueness(emu: Emulator) -> None:
    provision(emu)
    client, _ = client_for(emu)
    site = _site(client)
    url = f"/sites/{site}/lists/SV Content/items"
    created = client.request("POST", url, json={"fields": {"SvExternalId": "faq:a", "SvOrder": 3}})
    assert created.status == 201 and created.body["eTag"].endswith(',1"')
    with pytest.raises(ConflictError):
        client.request("POST", url, json={"fields": {"SvExternalId": "faq:a"}})
    for fields, why in [
        ({"SvExternalId": "faq:b", "Nope": 1}, "not recognized"),
        ({"SvExternalId": "faq:c", "Modified": "x"}, "read-only"),
        ({"SvExternalId": "faq:d", "SvOrder": "three"}, "number"),
        ({"SvExternalId": "faq:e", "SvStatus": "Maybe"}, "choices"),
        ({"Title": "no id"}, "required"),
    ]:
        with pytest.raises(BadRequestError, match=why):
            client.request("POST", url, json={"fields": fields})


def test_update_with_if_match_and_412(emu: Emulator) -> None:
    provision(emu)
    client, _ = client_for(emu)
    site = _site(client)
    item = client.request(
        "POST", f"/sites/{site}/lists/SV Content/items", json={"fields": {"SvExternalId": "faq:a"}}
    ).body
    url = f"/sites/{site}/lists/SV Content/items/{item['id']}/fields"
    ok = client.request("PATCH", url, json={"Title": "new"}, headers={"If-Match": item["eTag"]})
    assert ok.body["@odata.etag"].endswith(',2"')
    with pytest.raises(PreconditionFailedError) as info:
        client.request("PATCH", url, json={"Title": "stale"}, headers={"If-Match": item["eTag"]})
    assert info.value.code == "resourceModified"
    assert info.value.inner_codes == ("entityTagDoesNotMatch",)
    assert client.request("PATCH", url, json={"Title": "any"}, headers={"If-Match": "*"}).status == 200


def test_delete_with_if_match_404(emu: Emulator) -> None:
    provision(emu)
    client, _ = client_for(emu)
    site = _site(client)
    item = client.request(
        "POST", f"/sites/{site}/lists/SV Content/items", json={"fields": {"SvExternalId": "faq:a"}}
    ).body
    url = f"/sites/{site}/lists/SV Content/items/{item['id']}"
    with pytest.raises(PreconditionFailedError):
        client.request("DELETE", url, headers={"If-Match": '"{00000000-0000-0000-0000-000000000000},9"'})
    assert client.request("DELETE", url, headers={"If-Match": item["eTag"]}).status == 204
    with pytest.raises(NotFoundError):
        client.request("DELETE", url)


# -- $batch --------------------------------------------------------------------------------


def test_batch_answers_are_shuffled_and_correlated_by_id(emu: Emulator) -> None:
    provision(emu)
    client, _ = client_for(emu)
    site = _site(client)
    reqs = [
        BatchRequest(
            str(i),
            "POST",
            f"/sites/{site}/lists/SV Content/items",
            body={"fields": {"SvExternalId": f"faq:q{i}", "Title": f"q{i}"}},
        )
        for i in range(20)
    ]
    answers = client.batch(reqs)
    assert [a.status for a in answers.values()] == [201] * 20
    assert [a.body["fields"]["Title"] for a in answers.values()] == [f"q{i}" for i in range(20)]
    envelope = emu.journal("graph")[-1]
    assert envelope["path"] == "/$batch" and envelope["entries"] == 20
    order = [e["path"] for e in emu.journal("batch-entry")]
    assert len(order) == 20


def test_batch_splits_over_twenty_and_server_rejects_more(emu: Emulator) -> None:
    client, _ = client_for(emu)
    reqs = [BatchRequest(str(i), "GET", SITE_PATH) for i in range(45)]
    assert all(a.ok for a in client.batch(reqs).values())
    assert [e["entries"] for e in emu.journal("graph")] == [20, 20, 5]
    raw = {"requests": [{"id": str(i), "method": "GET", "url": SITE_PATH} for i in range(21)]}
    with pytest.raises(BadRequestError, match="exceed"):
        client.request("POST", "/$batch", json=raw)
    dup = {"requests": [{"id": "a", "method": "GET", "url": SITE_PATH}, {"id": "A", "method": "GET", "url": SITE_PATH}]}
    with pytest.raises(BadRequestError, match="Duplicate"):
        client.request("POST", "/$batch", json=dup)


def test_batch_entry_rules(emu: Emulator) -> None:
    client, _ = client_for(emu)
    raw = {
        "requests": [
            {"id": "1", "method": "POST", "url": "sites/root/lists", "body": {"displayName": "x"}},
            {
                "id": "2",
                "method": "POST",
                "url": "/$batch",
                "headers": {"Content-Type": "application/json"},
                "body": {"requests": []},
            },
            {"id": "3", "method": "GET", "url": "/sites/nope:/x", "dependsOn": ["1"]},
        ]
    }
    answers = {a["id"]: a for a in client.request("POST", "/$batch", json=raw).body["responses"]}
    assert answers["1"]["status"] == 400 and "Content-Type" in answers["1"]["body"]["error"]["message"]
    assert answers["2"]["status"] == 400
    assert answers["3"]["status"] == 424


def test_batch_per_entry_429_is_retried_with_decimal_retry_after_rounded_up(emu: Emulator) -> None:
    client, _ = client_for(emu)
    emu.add_fault(path=r"^/sites/svtest", skip=2, times=3, status=429, retry_after="1.249")
    reqs = [BatchRequest(str(i), "GET", SITE_PATH) for i in range(6)]
    answers = client.batch(reqs)
    assert all(a.ok for a in answers.values())
    assert [e["entries"] for e in emu.journal("graph")] == [6, 3]
    assert client.stats.throttled == 3
    assert client.stats.throttled_wait_seconds == 2.0  # 1.249 -> 2
    assert client.stats.batch_entries == 9


def test_batch_dependency_throttled_retries_whole_chain(emu: Emulator) -> None:
    provision(emu)
    client, _ = client_for(emu)
    site = _site(client)
    emu.add_fault(method="POST", path="/items$", times=1, status=429, retry_after="3")
    chain = [
        BatchRequest("a", "POST", f"/sites/{site}/lists/SV Content/items", body={"fields": {"SvExternalId": "faq:z"}}),
        BatchRequest("b", "GET", SITE_PATH, depends_on=("a",)),
    ]
    answers = client.batch(chain)
    assert answers["a"].status == 201 and answers["b"].status == 200
    assert client.stats.throttled_wait_seconds == 3.0


def test_retry_after_parsing() -> None:
    assert parse_retry_after("0.249") == 1.0
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("7.01") == 8.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None


# -- throttling, auth, transport -----------------------------------------------------------


def test_429_on_plain_request_honours_retry_after_with_virtual_clock(emu: Emulator) -> None:
    client, _ = client_for(emu)
    emu.add_fault(where="http", path="^/sites", times=2, status=429, retry_after="5")
    t0 = emu.world.clock.now()
    _site(client)
    assert emu.world.clock.now() - t0 == 10
    assert client.stats.throttled_wait_seconds == 10
    assert [e["status"] for e in emu.journal("graph")] == [429, 429, 200]


def test_503_and_504_are_retried_for_reads(emu: Emulator) -> None:
    client, _ = client_for(emu)
    emu.add_fault(where="http", path="^/sites", times=1, status=503, code="serviceNotAvailable", retry_after="2")
    emu.add_fault(where="http", path="^/sites", times=1, status=504, code="gatewayTimeout")
    _site(client)
    assert [e["status"] for e in emu.journal("graph")] == [503, 504, 200]


def test_wait_cap_turns_a_storm_into_a_clean_error(emu: Emulator) -> None:
    client, _ = client_for(emu, retry=RetryPolicy(max_total_wait=30))
    emu.add_fault(where="http", path="^/sites", times=0, status=429, retry_after="20")
    with pytest.raises(ThrottledError, match="cap"):
        _site(client)
    assert client.stats.waited_seconds == 20


def test_ru_budget_throttles_and_early_retries_are_charged(emu: Emulator) -> None:
    emu.set_config(ru_per_minute=10)
    client, _ = client_for(emu)
    for _ in range(8):
        _site(client)  # 1 RU each
    near = client.request("GET", SITE_PATH, params={"$select": "id"})  # 9 of 10: above 80 %
    assert near.headers["ratelimit-limit"] == "10" and near.headers["ratelimit-remaining"] == "1"
    _site(client)  # exactly the budget
    auth = {"Authorization": f"Bearer {client.tokens.token().reveal()}"}
    raw = requests.get(f"{emu.url}/v1.0{SITE_PATH}", headers=auth, timeout=5)
    assert raw.status_code == 429 and raw.json()["error"]["code"] == "activityLimitReached"
    assert raw.json()["error"]["innerError"]["code"] == "throttledRequest"
    assert raw.headers["Retry-After"] == "60"
    emu.sleep(30)
    early = requests.get(f"{emu.url}/v1.0{SITE_PATH}", headers=auth, timeout=5)
    assert early.status_code == 429  # retried before Retry-After: throttled again, and charged
    assert int(early.headers["Retry-After"]) >= 30
    _site(client)  # the client waits it out on the virtual clock
    assert client.stats.throttled == 1


def test_401_refreshes_the_token_once(emu: Emulator) -> None:
    client, tokens = client_for(emu)
    _site(client)
    emu.expire_tokens()
    _site(client)
    assert tokens.requests == 2
    assert client.stats.auth_refreshes == 1


def test_expired_token_by_ttl(emu: Emulator) -> None:
    emu.set_config(token_ttl=600)
    client, tokens = client_for(emu)
    _site(client)
    emu.sleep(601)  # the provider refreshes at 90 % of a short lifetime, before the server expires it
    _site(client)
    assert tokens.requests == 2
    assert client.stats.auth_refreshes == 0


def test_connection_drop_after_send_is_retried_for_reads_only(emu: Emulator) -> None:
    provision(emu)
    client, _ = client_for(emu)
    site = _site(client)
    emu.add_fault(where="http", action="drop_after", path="^/sites", times=1)
    _site(client)  # a GET is retried
    emu.add_fault(where="http", action="drop_after", method="POST", times=1)
    with pytest.raises(TransportError) as info:
        client.request("POST", f"/sites/{site}/lists/SV Content/items", json={"fields": {"SvExternalId": "faq:x"}})
    assert info.value.sent is True
    assert len(emu.snapshot()["lists"]["SV Content"]["items"]) == 1  # it was applied


def test_connection_refused_is_not_sent() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()

    class Fixed:
        requests = 0

        def token(self, *, force_refresh: bool = False) -> Secret:
            return Secret("t")

    client = GraphClient(
        graph_url=f"http://127.0.0.1:{port}",
        token_provider=Fixed(),
        sleep=lambda s: None,
        retry=RetryPolicy(max_attempts=2),
    )
    with pytest.raises(TransportError) as info:
        client.request("POST", "/x", json={})
    assert info.value.sent is False
    assert client.stats.requests == 0


def test_next_link_to_another_host_is_refused(emu: Emulator) -> None:
    client, _ = client_for(emu)
    with pytest.raises(BadRequestError, match="foreign"):
        client.request("GET", "https://evil.example/v1.0/x")


def test_error_mapping_walks_inner_codes() -> None:
    body = {"error": {"code": "generalException", "message": "m", "innerError": {"code": "resourceModified"}}}
    err = error_from_response(409, body, headers={"request-id": "r", "client-request-id": "c"})
    assert isinstance(err, PreconditionFailedError)
    assert err.code == "generalException" and err.request_id == "r"


# -- pages ---------------------------------------------------------------------------------


def test_pages_create_update_publish_and_errors(emu: Emulator) -> None:
    client, _ = client_for(emu)
    site = _site(client)
    body = {
        "@odata.type": "#microsoft.graph.sitePage",
        "name": "sv-x.aspx",
        "title": "X",
        "canvasLayout": {
            "horizontalSections": [
                {"columns": [{"webparts": [{"@odata.type": "#microsoft.graph.textWebPart", "innerHtml": "<p>x</p>"}]}]}
            ]
        },
    }
    page = client.request("POST", f"/sites/{site}/pages", json=body).body
    assert page["publishingState"]["level"] == "checkout"
    with pytest.raises(ConflictError):
        client.request("POST", f"/sites/{site}/pages", json=body)
    with pytest.raises(BadRequestError, match=r"@odata\.type"):
        client.request("POST", f"/sites/{site}/pages", json={**body, "@odata.type": None, "name": "b.aspx"})
    with pytest.raises(BadRequestError, match=r"\.aspx"):
        client.request("POST", f"/sites/{site}/pages", json={**body, "name": "b.html"})
    bad_wp = {
        **body,
        "name": "c.aspx",
        "canvasLayout": {
            "horizontalSections": [
                {
                    "columns": [
                        {"webparts": [{"@odata.type": "#microsoft.graph.standardWebPart", "webPartType": "nope"}]}
                    ]
                }
            ]
        },
    }
    with pytest.raises(BadRequestError, match="webPartType"):
        client.request("POST", f"/sites/{site}/pages", json=bad_wp)
    pid = page["id"]
    client.request("PATCH", f"/sites/{site}/pages/{pid}/microsoft.graph.sitePage", json={"title": "Y"})
    assert client.request("POST", f"/sites/{site}/pages/{pid}/microsoft.graph.sitePage/publish").status == 204
    got = client.get(f"/sites/{site}/pages/{pid}/microsoft.graph.sitePage", {"$expand": "canvasLayout"})
    assert got["title"] == "Y" and got["publishingState"] == {"level": "published", "versionId": "1.0"}
    assert "canvasLayout" in got
    listed = list(client.get_paged(f"/sites/{site}/pages/microsoft.graph.sitePage", {"$select": "id,name"}))
    assert [p["name"] for p in listed] == ["sv-x.aspx"]
    assert client.request("DELETE", f"/sites/{site}/pages/{pid}").status == 204


# -- control plane -------------------------------------------------------------------------


def test_control_plane_over_http(emu: Emulator) -> None:
    provision(emu)
    base = f"{emu.url}/_emu"
    r = requests.post(f"{base}/items", json={"list": "SV Content", "fields": {"SvExternalId": "x:y"}}, timeout=5)
    assert r.status_code == 201
    iid = r.json()["id"]
    assert (
        requests.patch(f"{base}/items", json={"list": "SV Content", "id": iid, "fields": {"Title": "h"}}, timeout=5)
        .json()["eTag"]
        .endswith(',2"')
    )
    assert requests.post(f"{base}/faults", json={"where": "http", "status": 503}, timeout=5).status_code == 200
    assert requests.delete(f"{base}/faults", timeout=5).status_code == 200
    now = requests.post(f"{base}/clock", json={"advance": 30}, timeout=5).json()["now"]
    assert now == emu.world.clock.now()
    state = requests.get(f"{base}/state", timeout=5).json()
    assert state["lists"]["SV Content"]["items"][iid]["Title"] == "h"
    assert requests.post(f"{base}/config", json={"page_size": 3}, timeout=5).json()["page_size"] == 3
    assert "journal" in requests.get(f"{base}/journal", timeout=5).json()
    assert requests.post(f"{base}/reset", timeout=5).status_code == 200
    assert json.loads(requests.get(f"{base}/state", timeout=5).text)["lists"] == {}


def test_emulator_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host="0.0.0.0")
    Emulator(config=Config(), host="127.0.0.2")  # any loopback address is fine
