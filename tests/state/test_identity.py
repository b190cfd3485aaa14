"""Lock owners and history actors come from the CI environment."""

from __future__ import annotations

from sbkube_ci.state.identity import current_identity


def test_github_actions() -> None:
    identity = current_identity(
        {
            "GITHUB_ACTOR": "octocat",
            "GITHUB_RUN_ID": "1234",
            "GITHUB_RUN_ATTEMPT": "2",
            "GITHUB_SERVER_URL": "https://ghe.example.com",
            "GITHUB_REPOSITORY": "acme/shop",
        }
    )
    assert identity.actor == "octocat"
    assert identity.run_url == "https://ghe.example.com/acme/shop/actions/runs/1234"
    assert identity.owner == "octocat (github run 1234.2)"


def test_gitlab_ci() -> None:
    identity = current_identity(
        {
            "GITLAB_USER_LOGIN": "alice",
            "CI_JOB_ID": "99",
            "CI_JOB_URL": "https://gitlab.example.com/acme/shop/-/jobs/99",
        }
    )
    assert identity.owner == "alice (gitlab job 99)"
    assert identity.run_url.endswith("/-/jobs/99")


def test_outside_ci_is_user_at_host_and_pid() -> None:
    identity = current_identity({})
    assert "@" in identity.actor
    assert identity.run_id.startswith("pid ")
    assert identity.run_url == ""
