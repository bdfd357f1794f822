"""The project's policies, each in one place: versioning, retired IDs, formula characters, the trust model.

check, diff, tools and release import these; none of them restates a policy.
"""
