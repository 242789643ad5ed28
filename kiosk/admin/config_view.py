"""The effective configuration as the admin screen shows it: YAML with every secret masked.

Pure functions, no I/O: safe on any thread.

What counts as a secret is decided by the key's name, whatever the value's type (a path to a
secret is masked too: the screen can be photographed, and ``kiosk doctor`` checks the files):

* names containing ``pin_hash``, ``password``, ``passwd``, ``passphrase``, ``secret``, ``token``
  or ``credential`` (``token_file``, ``client_secret``, ``credentials_file``);
* names whose last word part is ``key``/``keys``, ``pwd``, ``pin``, ``authorization`` or
  ``signature``, or is followed only by ``file``/``path``/``pem``/``hash``... (``client_key``,
  ``api_key``, ``apiKey``, ``key_file``; not ``keyboard``, ``pinyin`` or ``booking_key_system``);
* every value under ``admin.staff`` (staff PIN hashes; the staff names stay);
* a password inside a URL (``https://user:pass@host``) and secret-named query parameters.

An unset value (null or empty) stays visible, so a technician sees that nothing is configured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml

from kiosk.config import Config

MASK = "********"

_SECRET_SUBSTRINGS = ("pin_hash", "pinhash", "password", "passwd", "passphrase", "secret", "token", "credential")
_SECRET_PARTS = frozenset({"key", "keys", "pwd", "pin", "authorization", "apikey", "signature"})
# What may follow such a word and still name the secret (or where it is kept).
_HOLDER_PARTS = frozenset({"file", "path", "pem", "der", "data", "value", "hash", "b64", "base64"})
# Word parts: split on separators and on lower→upper case changes (apiKey → api, key).
_PART_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
# Containers whose every value is a secret (admin.staff: {name: pin hash}).
_SECRET_CONTAINERS = frozenset({("admin", "staff")})


def is_secret_key(name: str) -> bool:
    """True for a key whose value must not be shown (see the module docstring)."""
    lowered = name.lower()
    if any(word in lowered for word in _SECRET_SUBSTRINGS):
        return True
    parts = [part.lower() for part in _PART_SPLIT.split(name) if part]
    for index, part in enumerate(parts):
        if part in _SECRET_PARTS:
            rest = parts[index + 1 :]
            # client_key, key_file, private_key_pem; not booking_key_system or pin_length.
            if not rest or set(rest) <= _HOLDER_PARTS:
                return True
    return False


def _unset(value: Any) -> bool:
    return value is None or value in ("", [], {})


def _mask_value(value: Any) -> Any:
    return value if _unset(value) else MASK


def _mask_url(text: str) -> str:
    """Hides a URL's password and secret-named query values; other strings come back unchanged."""
    if "://" not in text:
        return text
    try:
        parts = urlsplit(text)
        password = parts.password
    except ValueError:
        return text
    netloc = parts.netloc
    if password:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{hostport}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_key(k) for k, _ in pairs):
            query = urlencode([(k, MASK if is_secret_key(k) and v else v) for k, v in pairs], safe="*")
    if netloc == parts.netloc and query == parts.query:
        return text
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_secrets(data: Any, path: tuple[str, ...] = ()) -> Any:
    """A copy of JSON-like ``data`` (dicts, lists, scalars) with secrets masked."""
    if isinstance(data, Mapping):
        masked: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key)
            if path in _SECRET_CONTAINERS or is_secret_key(name):
                masked[name] = _mask_leaves(value)
            else:
                masked[name] = mask_secrets(value, (*path, name))
        return masked
    if isinstance(data, list | tuple):
        return [mask_secrets(item, path) for item in data]
    if isinstance(data, str):
        return _mask_url(data)
    return data


def _mask_leaves(value: Any) -> Any:
    """Every non-empty leaf masked, the shape kept (a secret may be a mapping, e.g. per-locale)."""
    if isinstance(value, Mapping):
        return {str(k): _mask_leaves(v) for k, v in value.items()}
    if isinstance(value, list | tuple) and value:
        return [_mask_leaves(v) for v in value]
    return _mask_value(value)


def masked_config_yaml(config: Config) -> str:
    """The effective configuration (defaults filled in) as YAML, secrets masked."""
    data = mask_secrets(config.model_dump(mode="json"))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)
