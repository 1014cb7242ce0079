"""The one IRI-minting function."""

from __future__ import annotations

import pytest

from kg.iris import IriError, is_valid_id, mint

BASE = "https://w3id.org/vrlkg/"


def test_mint_joins_base_kind_and_slug():
    assert mint(BASE, "paper", "drm") == "https://w3id.org/vrlkg/paper/drm"


def test_mint_nested_segments():
    assert mint(BASE, "concept", "opendilab-mmrl", "vlm-rl") == (
        "https://w3id.org/vrlkg/concept/opendilab-mmrl/vlm-rl"
    )
    assert mint(BASE, "authorship", "drm", 3) == "https://w3id.org/vrlkg/authorship/drm/3"


def test_mint_follows_a_configured_base():
    assert mint("http://example.org/kg/", "person", "ada-lovelace") == (
        "http://example.org/kg/person/ada-lovelace"
    )


@pytest.mark.parametrize(
    "slug", ["DrM", "drm v2", "drm--v2", "-drm", "drm-", "", "dr/m", "é", "a.b"]
)
def test_mint_refuses_slugs_that_would_not_make_clean_iris(slug):
    with pytest.raises(IriError):
        mint(BASE, "paper", slug)


def test_mint_refuses_unknown_kinds():
    with pytest.raises(IriError, match="unknown IRI kind"):
        mint(BASE, "papers", "drm")


def test_mint_needs_a_slug():
    with pytest.raises(IriError):
        mint(BASE, "paper")


def test_is_valid_id():
    assert is_valid_id("qwen2-5-vl")
    assert not is_valid_id("Qwen2.5-VL")
