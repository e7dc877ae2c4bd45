"""TD regions: the workflow host and console host follow from the REST API host.

The rewrite mirrors the official CLI (treasure-data/td ``workflow_endpoint``), so
``api.eu01.treasuredata.com`` becomes ``api-workflow.eu01.treasuredata.com``.
Hosts that do not look like TD (loopback sandboxes, proxies) must be given
explicitly through ``TD_WORKFLOW_SERVER`` / ``TD_CONSOLE_URL``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_TD_API_HOST = re.compile(
    r"^api(?P<env>-(?:staging|development))?(?P<suffix>-[a-z0-9]+)?\."
    r"(?P<connect>connect\.)?(?:(?P<region>eu01|ap02|ap03)\.)?treasuredata\.(?P<tld>com|co\.jp)$"
)

REGION_NAMES = {
    ("com", None): "us01",
    ("co.jp", None): "jp01",
    ("com", "eu01"): "eu01",
    ("com", "ap02"): "ap02",
    ("com", "ap03"): "ap03",
}


@dataclass(frozen=True)
class Endpoints:
    api: str
    workflow: str
    console: str
    region: str | None


def normalize_base_url(value: str) -> str:
    """A bare host means https; the result never ends with a slash."""
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL or host: {value!r}")
    return text.rstrip("/")


def derive_endpoints(
    api_server: str, workflow_server: str | None = None, console_url: str | None = None
) -> Endpoints:
    api = normalize_base_url(api_server)
    host = urlsplit(api).hostname or ""
    match = _TD_API_HOST.match(host)
    region = None
    derived_workflow = None
    derived_console = None
    if match:
        env = match["env"] or ""
        suffix = match["suffix"] or ""
        connect = match["connect"] or ""
        region_part = f"{match['region']}." if match["region"] else ""
        tld = match["tld"]
        region = REGION_NAMES.get((tld, match["region"]))
        derived_workflow = (
            f"https://api{env}-workflow{suffix}.{connect}{region_part}treasuredata.{tld}"
        )
        derived_console = f"https://console{env}.{region_part}treasuredata.{tld}"
    workflow = normalize_base_url(workflow_server) if workflow_server else derived_workflow
    console = normalize_base_url(console_url) if console_url else derived_console
    if workflow is None:
        raise ValueError(
            f"cannot derive the workflow server from TD_API_SERVER={api_server!r}; "
            "set TD_WORKFLOW_SERVER"
        )
    if console is None:
        # Loopback and custom hosts: links point at the API host itself, which is
        # better than at a console of the wrong region.
        console = api
    return Endpoints(api=api, workflow=workflow, console=console, region=region)
