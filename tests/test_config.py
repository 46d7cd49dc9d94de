"""Client construction: precedence, validation, and the key kept out of reprs."""

from __future__ import annotations

import pytest

from composio_router import AsyncComposio, ConfigurationError
from composio_router._config import DEFAULT_BASE_URL

from .conftest import API_KEY


def test_missing_key_is_a_clear_error_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="COMPOSIO_API_KEY"):
        AsyncComposio()


def test_blank_env_key_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPOSIO_API_KEY", "   ")
    with pytest.raises(ConfigurationError):
        AsyncComposio()


def test_env_fallbacks_and_explicit_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPOSIO_API_KEY", "env-key")
    monkeypatch.setenv("COMPOSIO_BASE_URL", "http://127.0.0.1:1/prefix/")
    client = AsyncComposio()
    assert client.options.api_key == "env-key"
    assert client.options.base_url == "http://127.0.0.1:1/prefix"  # prefix kept, slash trimmed
    explicit = AsyncComposio(api_key="arg-key", base_url="http://127.0.0.1:2")
    assert explicit.options.api_key == "arg-key"
    assert explicit.options.base_url == "http://127.0.0.1:2"


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPOSIO_BASE_URL", raising=False)
    assert AsyncComposio(api_key="k").options.base_url == DEFAULT_BASE_URL


@pytest.mark.parametrize("url", ["ftp://example.com", "127.0.0.1:9900", "http://", "http://h/?q=1", "notaurl"])
def test_non_http_base_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        AsyncComposio(api_key="k", base_url=url)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"max_connections": 0}, "max_connections"),
    ],
)
def test_bad_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AsyncComposio(api_key="k", base_url="http://127.0.0.1:1", **kwargs)  # type: ignore[arg-type]


def test_custom_headers_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPOSIO_CUSTOM_HEADERS", "X-One: 1\nbroken line\nX-Two:  two:parts ")
    client = AsyncComposio(api_key="k", base_url="http://127.0.0.1:1", default_headers={"X-One": "explicit"})
    assert client.options.default_headers == {"X-One": "explicit", "X-Two": "two:parts"}


def test_credentials_are_refused_in_default_headers() -> None:
    with pytest.raises(ConfigurationError, match="credentials"):
        AsyncComposio(api_key=API_KEY, base_url="http://127.0.0.1:1", default_headers={"X-API-KEY": "other"})


def test_key_never_in_repr() -> None:
    secret = "sk-super-secret-value-123"
    client = AsyncComposio(api_key=secret, base_url="http://127.0.0.1:1")
    assert secret not in repr(client)
    assert secret not in repr(client.options)
    assert secret not in str(client.options)


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_explicit_empty_key_is_refused_not_replaced(empty: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # With a key in the environment, an empty api_key used to fall back to it silently.
    monkeypatch.setenv("COMPOSIO_API_KEY", "env-key-0123456789")
    with pytest.raises(ConfigurationError, match="api_key is empty"):
        AsyncComposio(api_key=empty, base_url="http://127.0.0.1:9")


def test_execute_result_repr_says_whether_it_worked() -> None:
    from composio_router.models import ExecuteResult

    assert repr(ExecuteResult(data={"n": 1})).startswith("ExecuteResult(successful=True, data={'n': 1}")
    assert "successful=False" in repr(ExecuteResult(error="boom", result_type="failed"))
