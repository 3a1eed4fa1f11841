"""Settings, read once from the environment. Nothing connects at import time."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "workshop"


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(",") if word.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    public_url: str | None = None  # e.g. https://workshop.example.org — used for the QR code
    refresh_seconds: float = 1.0  # how often live pages check the session's revision
    admin_password: str | None = None  # guards starting sessions on a shared host
    secret_key: str | None = None  # participant-token HMAC key; default: a file in data_dir
    submit_interval_seconds: float = 1.0  # per-participant rate limit
    profanity_words: tuple[str, ...] = ()  # empty: the filter is off
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks).
    trusted_proxies: tuple[str, ...] = ()
    # Host names requests may name beside this machine's own addresses, loopback and
    # WORKSHOP_PUBLIC_URL's host ("*": any, the check off). Against DNS rebinding.
    allowed_hosts: tuple[str, ...] = ()
    # New participant tokens per client address: a burst, then so many a minute. A venue
    # NAT puts a whole room behind one address, so both are generous.
    new_participants_burst: int = 600
    new_participants_per_minute: float = 300.0
    # Connection and stream caps; 0: sized from the open-file limit at start.
    max_connections: int = 0
    max_connections_per_address: int = 0
    max_streams: int = 0
    max_streams_per_address: int = 0
    request_read_seconds: float = 10.0  # headers and body of one request must arrive by then
    keep_alive_seconds: float = 5.0  # an idle kept-alive connection is closed after this

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("WORKSHOP_DATA_DIR") or default_data_dir()).expanduser()
        url = env.get("WORKSHOP_DATABASE_URL") or f"sqlite:///{data_dir / 'workshop.db'}"
        words = env.get("WORKSHOP_PROFANITY_WORDS", "")
        return cls(
            data_dir=data_dir,
            database_url=url,
            public_url=(env.get("WORKSHOP_PUBLIC_URL") or "").rstrip("/") or None,
            refresh_seconds=float(env.get("WORKSHOP_REFRESH_SECONDS") or 1.0),
            admin_password=env.get("WORKSHOP_ADMIN_PASSWORD") or None,
            secret_key=env.get("WORKSHOP_SECRET_KEY") or None,
            submit_interval_seconds=float(env.get("WORKSHOP_SUBMIT_INTERVAL_SECONDS") or 1.0),
            profanity_words=tuple(w.strip() for w in words.split(",") if w.strip()),
            trusted_proxies=_words(env.get("WORKSHOP_TRUSTED_PROXIES", "")),
            allowed_hosts=_words(env.get("WORKSHOP_ALLOWED_HOSTS", "")),
            new_participants_burst=int(env.get("WORKSHOP_NEW_PARTICIPANTS_BURST") or 600),
            new_participants_per_minute=float(
                env.get("WORKSHOP_NEW_PARTICIPANTS_PER_MINUTE") or 300.0
            ),
            max_connections=int(env.get("WORKSHOP_MAX_CONNECTIONS") or 0),
            max_connections_per_address=int(env.get("WORKSHOP_MAX_CONNECTIONS_PER_ADDRESS") or 0),
            max_streams=int(env.get("WORKSHOP_MAX_STREAMS") or 0),
            max_streams_per_address=int(env.get("WORKSHOP_MAX_STREAMS_PER_ADDRESS") or 0),
            request_read_seconds=float(env.get("WORKSHOP_REQUEST_READ_SECONDS") or 10.0),
            keep_alive_seconds=float(env.get("WORKSHOP_KEEP_ALIVE_SECONDS") or 5.0),
        )

    def make_data_dir_private(self) -> None:
        """The data directory 0700 and its files 0600 (also those an older version made)."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        for path in self.data_dir.iterdir():
            if path.is_file() and not path.is_symlink():
                os.chmod(path, 0o600)

    def participant_secret(self) -> bytes:
        """The per-installation HMAC key: from the environment, else a file created once."""
        if self.secret_key:
            return self.secret_key.encode("utf-8")
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Write a temp file, then link it into place: two processes starting at once
            # never read a half-written key, and the first one to link wins.
            tmp = self.data_dir / f".secret.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_bytes().strip()
