from __future__ import annotations

import pytest

from docket.model.loader import load_model
from docket.model.types import Model
from docket.model.validation import Validators


@pytest.fixture(scope="session")
def model() -> Model:
    return load_model("4dn")


@pytest.fixture(scope="session")
def validators(model: Model) -> Validators:
    return Validators(model)
