"""Sync secondvictim-core content into SharePoint Online through Microsoft Graph.

Idempotent and resumable: every run reads the remote state once, plans, and writes only what
changed, in ``$batch`` requests of 20. Items a person added are never touched; items a person
edited are reported. Long-form content becomes modern site pages.

The public pieces are the Graph client, the engine and the emulator; the CLI commands come
through the ``secondvictim_core`` plugin hook in :mod:`secondvictim_sharepoint.plugin`.
"""

from __future__ import annotations

from ._auth import (
    CLOUDS,
    CertificateCredential,
    ClientCredentialsTokenProvider,
    ClientSecretCredential,
    Cloud,
    MsalTokenProvider,
    Secret,
    TokenProvider,
)
from ._bundle import Content, content_from_bundle, content_from_items
from ._client import BatchRequest, BatchResponse, GraphClient, RequestEvent, RetryPolicy
from ._config import Settings, build_client, load_settings
from ._errors import (
    AccessDeniedError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ConflictError,
    GraphError,
    NotFoundError,
    PreconditionFailedError,
    ServiceError,
    SharePointError,
    ThrottledError,
    TokenError,
    TransportError,
)
from ._model import CONTENT_LIST, MANIFEST_LIST, PageSpec, Record
from ._plan import Action, OnConflict, Plan, Policy, RemoteItem, plan
from ._report import RunReport
from ._sync import SetupError, SharePointSync, StateCache, SyncSettings

__all__ = [
    "CLOUDS",
    "CONTENT_LIST",
    "MANIFEST_LIST",
    "AccessDeniedError",
    "Action",
    "AuthenticationError",
    "BadRequestError",
    "BatchRequest",
    "BatchResponse",
    "CertificateCredential",
    "ClientCredentialsTokenProvider",
    "ClientSecretCredential",
    "Cloud",
    "ConfigError",
    "ConflictError",
    "Content",
    "GraphClient",
    "GraphError",
    "MsalTokenProvider",
    "NotFoundError",
    "OnConflict",
    "PageSpec",
    "Plan",
    "Policy",
    "PreconditionFailedError",
    "Record",
    "RemoteItem",
    "RequestEvent",
    "RetryPolicy",
    "RunReport",
    "Secret",
    "ServiceError",
    "Settings",
    "SetupError",
    "SharePointError",
    "SharePointSync",
    "StateCache",
    "SyncSettings",
    "ThrottledError",
    "TokenError",
    "TokenProvider",
    "TransportError",
    "build_client",
    "content_from_bundle",
    "content_from_items",
    "load_settings",
    "plan",
]
