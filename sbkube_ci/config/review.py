"""``clusters.<name>.on_merge``: what merging a pull request does to a cluster.

Only the CI workflow knows which job deploys a cluster and who approves it; this section lets
the project say so once, and the plan comment tells every reviewer.
"""

from __future__ import annotations

from pydantic import Field

from sbkube_ci.config.base import Model


class OnMerge(Model):
    deploy: bool = Field(
        default=True, description="false: merging deploys nothing here (deploys are manual)"
    )
    job: str = Field(default="", description="The CI job that deploys the cluster after merge")
    environment: str = Field(default="", description="GitHub/GitLab environment of that job")
    approval: str = Field(
        default="",
        description='Who must approve first, e.g. "2 reviewers of production"; empty: nobody',
    )
