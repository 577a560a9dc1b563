"""The loopback patch applied to Prism's source before it is built."""

from __future__ import annotations

import pytest

from ceasefire_watch.dev.prism import UPSTREAM_LISTEN, PrismBuildError, patch_listen_address

SERVER_GO = f"""func NewServer(port int, execute func(*Job)) *Server {{
	lis, err := {UPSTREAM_LISTEN}
	if err != nil {{
"""


def test_the_job_service_listens_on_the_given_host_only():
    """The upstream every-interface listen becomes a listen on the given host and nothing else changes."""
    patched = patch_listen_address(SERVER_GO, "127.0.0.1")
    assert UPSTREAM_LISTEN not in patched
    assert 'lis, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", fmt.Sprint(port)))' in patched
    assert (
        patched.replace('net.JoinHostPort("127.0.0.1", fmt.Sprint(port))', 'fmt.Sprintf(":%d", port)')
        == SERVER_GO
    )


@pytest.mark.parametrize("source", ["", SERVER_GO.replace('":%d"', '"%s:%d", host'), SERVER_GO * 2])
def test_a_changed_upstream_source_stops_the_build(source):
    """Without exactly one upstream listen line the build fails instead of shipping an unpatched Prism."""
    with pytest.raises(PrismBuildError, match="upstream code changed"):
        patch_listen_address(source, "127.0.0.1")
