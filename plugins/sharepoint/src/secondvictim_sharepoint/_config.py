"""Settings from a TOML file, environment variables and the command line (in rising priority).

Why secrets are kept out of the config file: a config file is copied, committed and attached to
tickets; a client secret in it leaks. The secret comes from ``SECONDVICTIM_SP_CLIENT_SECRET`` or
from a file named by ``client_secret_file`` (mode 0600, like the certificate key), and is held
in a :class:`Secret` from the moment it is read.
"""

from __future__ import annotations

import argparse
import os
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ._auth import (
    CertificateCredential,
    ClientCredentialsTokenProvider,
    ClientSecretCredential,
    Credential,
    MsalTokenProvider,
    Secret,
    TokenProvider,
    cloud_for,
)
from ._client import GraphClient, PinnedSession, RetryPolicy
from ._errors import ConfigError
from ._model import CONTENT_LIST, MANIFEST_LIST
from ._plan import OnConflict, Policy
from ._sync import StateCache, SyncSettings

ENV_PREFIX = "SECONDVICTIM_SP_"


@dataclass
class Settings:
    """Every setting of a sync or provision run. Secrets are :class:`Secret` values."""

    site: str | None = None
    tenant: str | None = None
    client_id: str | None = None
    cloud: str = "global"
    certificate: str | None = None
    certificate_thumbprint: str | None = None
    client_secret_file: str | None = None
    graph_url: str | None = None
    authority_url: str | None = None
    token_client: str = "auto"
    proxy: str | None = None
    ca_bundle: str | None = None
    owner: str = "secondvictim"
    list_name: str = CONTENT_LIST
    manifest_list: str = MANIFEST_LIST
    on_conflict: str = OnConflict.SKIP.value
    allow_delete: bool = False
    allow_mass_delete: bool = False
    max_delete_ratio: float = 0.2
    page_size: int = 999
    pages: bool = False
    max_wait: float = 900.0
    timeout: float = 60.0
    organisation: str | None = None
    state_file: str | None = None
    no_state_file: bool = False
    site_id: str | None = None
    list_id: str | None = None
    manifest_list_id: str | None = None
    client_secret: Secret | None = field(default=None, repr=False)
    certificate_passphrase: Secret | None = field(default=None, repr=False)

    def policy(self, *, full_set: bool) -> Policy:
        """The sync rules."""
        try:
            on_conflict = OnConflict(self.on_conflict)
        except ValueError:
            msg = f"on_conflict must be overwrite, skip or fail, not {self.on_conflict!r}"
            raise ConfigError(msg) from None
        if not 0 <= self.max_delete_ratio <= 1:
            msg = f"max_delete_ratio must be between 0 and 1, not {self.max_delete_ratio}"
            raise ConfigError(msg)
        return Policy(
            owner=self.owner,
            on_conflict=on_conflict,
            allow_delete=self.allow_delete,
            full_set=full_set,
            max_delete_ratio=self.max_delete_ratio,
            allow_mass_delete=self.allow_mass_delete,
        )

    def sync_settings(self, *, full_set: bool = True) -> SyncSettings:
        """What the engine needs."""
        if not self.site:
            msg = "no site given: use --site, `site` in the config file or SECONDVICTIM_SP_SITE"
            raise ConfigError(msg)
        return SyncSettings(
            site_url=self.site,
            list_name=self.list_name,
            manifest_list=self.manifest_list,
            policy=self.policy(full_set=full_set),
            page_size=self.page_size,
            pages=self.pages,
            site_id=self.site_id,
            list_id=self.list_id,
            manifest_list_id=self.manifest_list_id,
        )

    def state_path(self) -> Path | None:
        """Where site and list ids are cached (``None`` when disabled)."""
        if self.no_state_file:
            return None
        if self.state_file:
            return Path(self.state_file).expanduser()
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache) / "secondvictim" / "sharepoint-state.json"


_SECRET_KEYS = {"client_secret", "certificate_passphrase"}
_FILE_KEYS = {f.name: f for f in fields(Settings) if f.name not in _SECRET_KEYS | {"no_state_file"}}


def _coerce(name: str, value: Any) -> Any:
    default = Settings.__dataclass_fields__[name].default
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        msg = f"{name} must be true or false, not {value!r}"
        raise ConfigError(msg)
    try:
        if isinstance(default, float):
            return float(value)
        if isinstance(default, int):
            return int(value)
    except (TypeError, ValueError):
        msg = f"{name} must be a number, not {value!r}"
        raise ConfigError(msg) from None
    return str(value)


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read the ``[sharepoint]`` table of a TOML file (or its top level)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"cannot read config file {str(path)!r}: {exc.strerror}"
        raise ConfigError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"config file {str(path)!r} is not valid TOML: {exc}"
        raise ConfigError(msg) from None
    table = data.get("sharepoint", data)
    if not isinstance(table, dict):
        msg = f"config file {str(path)!r}: [sharepoint] must be a table"
        raise ConfigError(msg)
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key in _SECRET_KEYS:
            msg = (
                f"config file {str(path)!r} holds {key!r}; secrets do not belong in config "
                f"files. Use {ENV_PREFIX}{key.upper()} or client_secret_file (mode 0600)"
            )
            raise ConfigError(msg)
        if key not in _FILE_KEYS:
            msg = f"config file {str(path)!r}: unknown setting {key!r}; known: {', '.join(sorted(_FILE_KEYS))}"
            raise ConfigError(msg)
        out[key] = _coerce(key, value)
    return out


def load_settings(args: argparse.Namespace | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Defaults < config file < environment < command line."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    config = getattr(args, "config", None) or env.get(f"{ENV_PREFIX}CONFIG")
    if config:
        values.update(read_config_file(config))
    for key in _FILE_KEYS:
        raw = env.get(f"{ENV_PREFIX}{key.upper()}")
        if raw is not None and raw != "":
            values[key] = _coerce(key, raw)
    if args is not None:
        for key in (*_FILE_KEYS, "no_state_file"):
            value = getattr(args, key, None)
            if value is not None and value is not False:
                values[key] = value
    settings = Settings(**values)
    secret = env.get(f"{ENV_PREFIX}CLIENT_SECRET")
    if secret:
        settings.client_secret = Secret(secret)
    elif settings.client_secret_file:
        try:
            settings.client_secret = Secret(Path(settings.client_secret_file).read_text().strip())
        except OSError as exc:
            msg = f"cannot read client_secret_file {settings.client_secret_file!r}: {exc.strerror}"
            raise ConfigError(msg) from None
    passphrase = env.get(f"{ENV_PREFIX}CERTIFICATE_PASSPHRASE")
    if passphrase:
        settings.certificate_passphrase = Secret(passphrase)
    return settings


def plugin_version() -> str:
    """This distribution's version."""
    try:
        return version("secondvictim-sharepoint")
    except PackageNotFoundError:  # pragma: no cover - source tree
        return "0.0.0"


def credential_for(settings: Settings) -> Credential:
    """The certificate (preferred) or the client secret."""
    if settings.certificate:
        return CertificateCredential.from_pem_file(
            settings.certificate,
            thumbprint=settings.certificate_thumbprint,
            passphrase=settings.certificate_passphrase,
        )
    if settings.client_secret:
        return ClientSecretCredential(settings.client_secret)
    msg = f"no credential: give --certificate (recommended) or set {ENV_PREFIX}CLIENT_SECRET / client_secret_file"
    raise ConfigError(msg)


def _session(settings: Settings) -> PinnedSession:
    session = PinnedSession()
    if settings.proxy:
        session.proxies = {"http": settings.proxy, "https": settings.proxy}
    if settings.ca_bundle:
        if not Path(settings.ca_bundle).exists():
            msg = f"ca_bundle {settings.ca_bundle!r} does not exist"
            raise ConfigError(msg)
        session.verify = settings.ca_bundle
    return session


def build_client(
    settings: Settings,
    *,
    sleep: Callable[[float], None] | None = None,
) -> tuple[GraphClient, TokenProvider]:
    """A Graph client and its token provider, with proxy and CA bundle on both."""
    for key in ("tenant", "client_id"):
        if not getattr(settings, key):
            msg = (
                f"no {key.replace('_', ' ')} given: use --{key.replace('_', '-')}, "
                f"`{key}` in the config file or {ENV_PREFIX}{key.upper()}"
            )
            raise ConfigError(msg)
    assert settings.tenant and settings.client_id
    cloud = cloud_for(settings.cloud, graph_url=settings.graph_url, authority_url=settings.authority_url)
    credential = credential_for(settings)
    mode = settings.token_client
    if mode == "auto":
        mode = "msal" if cloud.authority_url.startswith("https://") else "plain"
    tokens: TokenProvider
    if mode == "msal":
        tokens = MsalTokenProvider(
            authority_url=cloud.authority_url,
            tenant=settings.tenant,
            client_id=settings.client_id,
            credential=credential,
            scope=cloud.scope,
            session=_session(settings),
            timeout=settings.timeout,
            instance_discovery=False if settings.authority_url else None,
        )
    elif mode == "plain":
        tokens = ClientCredentialsTokenProvider(
            authority_url=cloud.authority_url,
            tenant=settings.tenant,
            client_id=settings.client_id,
            credential=credential,
            scope=cloud.scope,
            session=_session(settings),
            timeout=settings.timeout,
        )
    else:
        msg = f"token_client must be auto, msal or plain, not {settings.token_client!r}"
        raise ConfigError(msg)
    org = settings.organisation or "NHS"
    client = GraphClient(
        graph_url=cloud.graph_url,
        token_provider=tokens,
        session=_session(settings),
        user_agent=f"NONISV|{org}|secondvictim-sharepoint/{plugin_version()}",
        retry=RetryPolicy(max_total_wait=settings.max_wait),
        timeout=settings.timeout,
        sleep=sleep or time.sleep,
    )
    return client, tokens


def state_for(settings: Settings) -> StateCache:
    """The state cache for these settings."""
    return StateCache(settings.state_path())
