"""The plan: render, read what is deployed (state, or the live cluster), diff, check.

``engine`` makes a plan for every cluster of a project and writes it; ``live`` and
``live_helm`` read what a cluster runs when the plan is made against the cluster itself.
"""
