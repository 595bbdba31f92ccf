"""The portal: every service wired to one model and one database, built once per process."""

from __future__ import annotations

import secrets
from datetime import timedelta

from docket.model.loader import load_model
from docket.model.validation import Validators
from docket.services.accounts import Accounts
from docket.services.audits import AuditService
from docket.services.files import FileService
from docket.services.items import ItemService
from docket.services.passwords import Passwords
from docket.services.policy import TwoFactorPolicy
from docket.services.render import Renderer
from docket.services.search import SearchService
from docket.services.sessions import Sessions
from docket.services.throttle import SignInThrottle
from docket.settings import Settings
from docket.store.blobs import open_blob_store
from docket.store.engine import make_engine, migrate
from docket.store.sql import SqlItemStore


class Portal:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = load_model(settings.model)
        self.engine = make_engine(settings.database)
        self.store = SqlItemStore(self.engine)
        self.validators = Validators(self.model)
        self.renderer = Renderer(self.model, self.store)
        self.items = ItemService(self.model, self.store, self.validators)
        self.audits = AuditService(self.model, self.store)
        self.search = SearchService(self.model, self.store, self.renderer, self.audits)
        self.accounts = Accounts(self.model, self.store, self.items)
        self.throttle = SignInThrottle()
        self.two_factor = TwoFactorPolicy(self.store, lambda: self.settings.require_two_factor)
        self.passwords = Passwords(self.accounts, self.items)
        self.sessions = Sessions(settings.secret_key or secrets.token_urlsafe(32), self.accounts)
        self.blobs = open_blob_store(settings.files, **settings.s3_options())
        ttl = timedelta(seconds=settings.upload_credentials_ttl)
        self.files = FileService(self.model, self.store, self.items, self.renderer, self.blobs, ttl)
        self.renderer.extras.append(self.files.render_extra)

    def initialize(self) -> bool:
        """Create or upgrade the database; a new one gets the model's inserts. True when it was new."""
        from docket.services.bootstrap import load_inserts

        migrate(self.engine)
        if self.store.is_empty():
            load_inserts(self)
            return True
        return False

    def close(self) -> None:
        self.engine.dispose()
