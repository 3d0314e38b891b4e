"""Helpers: clients wired to the emulator's virtual clock, fake content, a sync runner."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from secondvictim_sharepoint import (
    CertificateCredential,
    ClientCredentialsTokenProvider,
    ClientSecretCredential,
    Content,
    GraphClient,
    Policy,
    RetryPolicy,
    Secret,
    SharePointSync,
    StateCache,
    SyncSettings,
    content_from_items,
)
from secondvictim_sharepoint.emulator import Emulator

PAGE = 7
"""Emulator page cap in tests, so paging is always exercised."""


@dataclass
class FakeItem:
    """Stands in for a core content model (kind, id, title, summary, model_dump)."""

    kind: str
    id: str
    title: str
    summary: str = "A short summary."
    extra: dict[str, Any] = field(default_factory=dict)

    def model_dump(self, *, mode: str = "python") -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "order": 0,
            **self.extra,
        }


def items(n: int, kind: str = "signpost", *, version: str = "1") -> list[FakeItem]:
    """n items of one kind; ``version`` changes their text."""
    return [
        FakeItem(
            kind, f"{kind.replace('_', '-')}-{i:04d}", f"{kind} {i} v{version}", extra={"body": f"Body {i} v{version}"}
        )
        for i in range(n)
    ]


def content(xs: list[FakeItem], **kw: Any) -> Content:
    return content_from_items(xs, render=lambda t: f"<p>{t}</p>", **kw)


def client_for(
    emu: Emulator, *, admin: bool = False, secret: bool = False, retry: RetryPolicy | None = None
) -> tuple[GraphClient, ClientCredentialsTokenProvider]:
    app = emu.app(emu.admin_client_id if admin else emu.sync_client_id)
    cred: ClientSecretCredential | CertificateCredential
    if secret:
        assert app.secret
        cred = ClientSecretCredential(Secret(app.secret))
    else:
        cred = CertificateCredential.from_pem_file(emu.certificate_file())
    tokens = ClientCredentialsTokenProvider(
        authority_url=emu.url,
        tenant=emu.tenant_id,
        client_id=app.client_id,
        credential=cred,
        scope=f"{emu.url}/.default",
        clock=emu.world.clock.now,
    )
    client = GraphClient(
        graph_url=emu.url,
        token_provider=tokens,
        sleep=emu.sleep,
        rand=lambda: 0.5,
        retry=retry,
        user_agent="NONISV|Test Trust|secondvictim-sharepoint/test",
    )
    return client, tokens


def provision(emu: Emulator, *, pages: bool = False) -> None:
    client, _ = client_for(emu, admin=True, secret=True)
    SharePointSync(client, SyncSettings(Emulator.SITE_URL, pages=pages)).provision()
    emu.clear_journal()


@dataclass
class Runner:
    """Runs syncs against one emulator, sharing a state cache like a nightly job would."""

    emu: Emulator
    state: StateCache = field(default_factory=lambda: StateCache(None))

    def sync(
        self,
        c: Content,
        *,
        dry_run: bool = False,
        pages: bool = False,
        retry: RetryPolicy | None = None,
        hooks: tuple[Any, ...] = (),
        **policy: Any,
    ):  # type: ignore[no-untyped-def]
        client, tokens = client_for(self.emu, retry=retry)
        client.hooks.extend(hooks)
        engine = SharePointSync(
            client,
            SyncSettings(Emulator.SITE_URL, pages=pages, policy=Policy(**policy)),
            state=self.state,
            token_requests=lambda: tokens.requests,
        )
        return engine.run(c, dry_run=dry_run)


def content_items(emu: Emulator, title: str = "SV Content") -> dict[str, dict[str, Any]]:
    """Items of a list by item id."""
    return emu.snapshot()["lists"][title]["items"]


def by_eid(emu: Emulator, title: str = "SV Content") -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for iid, f in content_items(emu, title).items():
        out.setdefault(str(f.get("SvExternalId")), []).append(f | {"_id": iid})
    return out


def graph_requests(emu: Emulator) -> int:
    return len(emu.journal("graph"))


def ceil(a: int, b: int) -> int:
    return math.ceil(a / b)
