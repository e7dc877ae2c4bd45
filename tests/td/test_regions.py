from __future__ import annotations

import pytest

from bot.td.regions import derive_endpoints, normalize_base_url


@pytest.mark.parametrize(
    ("api", "workflow", "console", "region"),
    [
        (
            "api.treasuredata.com",
            "https://api-workflow.treasuredata.com",
            "https://console.treasuredata.com",
            "us01",
        ),
        (
            "https://api.treasuredata.co.jp",
            "https://api-workflow.treasuredata.co.jp",
            "https://console.treasuredata.co.jp",
            "jp01",
        ),
        (
            "https://api.eu01.treasuredata.com/",
            "https://api-workflow.eu01.treasuredata.com",
            "https://console.eu01.treasuredata.com",
            "eu01",
        ),
        (
            "api.ap02.treasuredata.com",
            "https://api-workflow.ap02.treasuredata.com",
            "https://console.ap02.treasuredata.com",
            "ap02",
        ),
        (
            "api.ap03.treasuredata.com",
            "https://api-workflow.ap03.treasuredata.com",
            "https://console.ap03.treasuredata.com",
            "ap03",
        ),
    ],
)
def test_each_region_derives_its_workflow_and_console_hosts(
    api: str, workflow: str, console: str, region: str
) -> None:
    endpoints = derive_endpoints(api)
    assert endpoints.workflow == workflow
    assert endpoints.console == console
    assert endpoints.region == region


def test_explicit_values_win_over_derivation() -> None:
    endpoints = derive_endpoints(
        "api.treasuredata.com",
        "http://proxy.internal:8080/",
        "https://console.us01.treasuredata.com",
    )
    assert endpoints.workflow == "http://proxy.internal:8080"
    assert endpoints.console == "https://console.us01.treasuredata.com"


@pytest.mark.parametrize("bad", ["", "ftp://x", "http://", "://"])
def test_non_urls_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        normalize_base_url(bad)
