"""Fixtures of the social value tests: the default measures catalogue, loaded as in production."""

import pytest

from social_value.services import catalogue_import
from social_value.services.catalogue import DEFAULT_CATALOGUE_FILE


@pytest.fixture
def default_catalogue(kcc_framework):
    """The default catalogue (5 Social Value Model themes, 21 measures), imported by the service."""
    result = catalogue_import(handle_or_path=DEFAULT_CATALOGUE_FILE)
    assert not result.errors, result.errors
    return result
