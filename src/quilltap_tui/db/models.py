"""Tables for everything the product stores.

Rules the database itself enforces (not just the services): names are unique; at most one default
image profile and one default chat profile (partial unique indexes); deleting a key sets the profiles'
key to none; deleting a profile removes its tag links (cascade) and sets chats' profile to none;
deleting a chat removes its messages and tool calls, while its images stay in the gallery.

No secret is ever stored here: an API key row holds only its label, provider, last four characters
and the backend that holds the secret.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, Text, TypeDecorator, text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, so without this a value written aware would come back naive and could
    not be compared with :func:`utcnow`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class SchemaVersion(SQLModel, table=True):
    """One row: the schema version this database is at (see ``db/migrations.py``)."""

    __tablename__ = "schema_version"
    id: int = Field(default=1, primary_key=True)
    version: int


class ApiKey(SQLModel, table=True):
    """Metadata of a stored key. The secret itself lives in the vault backend named by ``backend``."""

    __tablename__ = "api_key"
    id: str = Field(default_factory=new_id, primary_key=True)
    label: str = Field(unique=True, index=True)
    provider: str
    last4: str
    backend: str  # keyring | file | env
    env_var: str | None = None  # for backend "env": which variable holds it (a name, not a secret)
    validated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    valid: bool | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Tag(SQLModel, table=True):
    __tablename__ = "tag"
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(unique=True, index=True)


class ImageProfile(SQLModel, table=True):
    """An image provider, model, key and default parameters, apart from any chat profile."""

    __tablename__ = "image_profile"
    __table_args__ = (
        Index(
            "uq_image_profile_one_default",
            "is_default",
            unique=True,
            sqlite_where=text("is_default = 1"),
            postgresql_where=text("is_default"),
        ),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(unique=True, index=True)
    provider: str
    api_key_id: str | None = Field(default=None, foreign_key="api_key.id", ondelete="SET NULL")
    base_url: str | None = None
    model: str
    parameters: dict[str, Any] = _json(dict)
    is_default: bool = False
    # Limits the generation service enforces (images per call, per minute, per day). The server defaults
    # match migration 1->2, which added these columns, so a new and an upgraded schema are identical.
    max_images_per_call: int = Field(default=4, sa_column_kwargs={"server_default": "4"})
    max_images_per_minute: int = Field(default=10, sa_column_kwargs={"server_default": "10"})
    max_images_per_day: int = Field(default=200, sa_column_kwargs={"server_default": "200"})
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ImageProfileTag(SQLModel, table=True):
    __tablename__ = "image_profile_tag"
    image_profile_id: str = Field(foreign_key="image_profile.id", ondelete="CASCADE", primary_key=True)
    tag_id: str = Field(foreign_key="tag.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = _ts()


class ChatProfile(SQLModel, table=True):
    """A chat (connection) profile: LLM provider, model, key, base URL and parameters."""

    __tablename__ = "chat_profile"
    __table_args__ = (
        Index(
            "uq_chat_profile_one_default",
            "is_default",
            unique=True,
            sqlite_where=text("is_default = 1"),
            postgresql_where=text("is_default"),
        ),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(unique=True, index=True)
    provider: str
    api_key_id: str | None = Field(default=None, foreign_key="api_key.id", ondelete="SET NULL")
    base_url: str | None = None
    model: str
    parameters: dict[str, Any] = _json(dict)
    system_prompt: str | None = Field(default=None, sa_type=Text)
    is_default: bool = False
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ChatProfileTag(SQLModel, table=True):
    __tablename__ = "chat_profile_tag"
    chat_profile_id: str = Field(foreign_key="chat_profile.id", ondelete="CASCADE", primary_key=True)
    tag_id: str = Field(foreign_key="tag.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = _ts()


class Chat(SQLModel, table=True):
    __tablename__ = "chat"
    id: str = Field(default_factory=new_id, primary_key=True)
    title: str = "New chat"
    chat_profile_id: str | None = Field(
        default=None, foreign_key="chat_profile.id", ondelete="SET NULL", index=True
    )
    image_profile_id: str | None = Field(
        default=None, foreign_key="image_profile.id", ondelete="SET NULL", index=True
    )
    enabled_tools: list[str] = _json(list)  # tool ids; services.chats fills it from the tool catalogue
    # Give the images tools made back to the chat model on the next request (off: tokens cost money).
    show_images: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    created_at: datetime = _ts()
    updated_at: datetime = _ts(index=True)


class ChatTag(SQLModel, table=True):
    __tablename__ = "chat_tag"
    chat_id: str = Field(foreign_key="chat.id", ondelete="CASCADE", primary_key=True)
    tag_id: str = Field(foreign_key="tag.id", ondelete="CASCADE", primary_key=True)


class Message(SQLModel, table=True):
    """One message of a chat. ``seq`` orders messages within the chat."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_chat_seq", "chat_id", "seq", unique=True),)
    id: str = Field(default_factory=new_id, primary_key=True)
    chat_id: str = Field(foreign_key="chat.id", ondelete="CASCADE")
    seq: int
    role: str  # user | assistant | tool | system
    content: str = Field(default="", sa_type=Text)
    status: str = "complete"  # complete | streaming | cancelled | error
    error: str | None = Field(default=None, sa_type=Text)
    model: str | None = None
    # Opaque provider data that must be replayed (e.g. Gemini thought signatures), and token usage.
    provider_data: dict[str, Any] = _json(dict)
    created_at: datetime = _ts()


class ToolCall(SQLModel, table=True):
    """A tool call the LLM made (on an assistant message) and its result."""

    __tablename__ = "tool_call"
    id: str = Field(default_factory=new_id, primary_key=True)
    chat_id: str = Field(foreign_key="chat.id", ondelete="CASCADE", index=True)
    message_id: str = Field(foreign_key="message.id", ondelete="CASCADE", index=True)
    call_id: str  # the provider's id (call_..., toolu_...), echoed back with the result
    name: str
    arguments: dict[str, Any] = _json(dict)
    raw_arguments: str | None = Field(default=None, sa_type=Text)  # kept when they were not valid JSON
    status: str = "pending"  # pending | running | ok | error | cancelled
    result: dict[str, Any] = _json(dict)
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _ts()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class GeneratedImageRecord(SQLModel, table=True):
    """A saved image: the file under ``images/YYYY/MM/`` plus everything known about how it was made."""

    __tablename__ = "generated_image"
    id: str = Field(default_factory=new_id, primary_key=True)
    file_path: str  # relative to the data directory, so the folder can move
    mime_type: str
    width: int
    height: int
    bytes: int
    sha256: str = Field(index=True)
    prompt: str = Field(sa_type=Text)
    revised_prompt: str | None = Field(default=None, sa_type=Text)
    negative_prompt: str | None = Field(default=None, sa_type=Text)
    provider: str
    model: str
    image_profile_id: str | None = Field(
        default=None, foreign_key="image_profile.id", ondelete="SET NULL", index=True
    )
    profile_name: str | None = None  # kept for the gallery when the profile is deleted
    seed: int | None = None
    used_params: dict[str, Any] = _json(dict)
    chat_id: str | None = Field(default=None, foreign_key="chat.id", ondelete="SET NULL", index=True)
    message_id: str | None = Field(default=None, foreign_key="message.id", ondelete="SET NULL")
    tool_call_id: str | None = Field(default=None, foreign_key="tool_call.id", ondelete="SET NULL")
    created_at: datetime = _ts(index=True)


class ImageInput(SQLModel, table=True):
    """Lineage: one reference image an edit was made from (``position`` keeps the order they were sent).

    ``input_image_id`` is the gallery image when the reference came from the gallery (set to NULL if
    that image is deleted later); ``path`` and ``sha256`` always say which bytes were sent.
    """

    __tablename__ = "image_input"
    image_id: str = Field(foreign_key="generated_image.id", ondelete="CASCADE", primary_key=True)
    position: int = Field(primary_key=True)
    input_image_id: str | None = Field(
        default=None, foreign_key="generated_image.id", ondelete="SET NULL", index=True
    )
    path: str = Field(sa_type=Text)
    sha256: str
    role: str = "image"  # image | mask | markup


class AuditEntry(SQLModel, table=True):
    """One row per generation attempt (and key validation), successful or not. Never a secret."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _ts(index=True)
    action: str  # generate | validate_key
    source: str = "cli"  # cli | tool | tui | mcp
    image_profile_id: str | None = Field(
        default=None, foreign_key="image_profile.id", ondelete="SET NULL", index=True
    )
    profile_name: str | None = None
    provider: str
    model: str | None = None
    prompt: str | None = Field(default=None, sa_type=Text)
    parameters: dict[str, Any] = _json(dict)
    outcome: str  # ok | error | limited
    error_class: str | None = None
    error_message: str | None = Field(default=None, sa_type=Text)
    latency_ms: int | None = None
    image_ids: list[str] = _json(list)
    image_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    chat_id: str | None = Field(default=None, foreign_key="chat.id", ondelete="SET NULL")
