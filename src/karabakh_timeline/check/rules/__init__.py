"""Timeline rules that Table Schema cannot express, by theme: dates, links, text, consistency, trust.

Each rule is registered with its issue code and what it needs (registry.rule); importing this
package registers them all, in this order.
"""
from __future__ import annotations

from karabakh_timeline.check.rules import consistency, dates, links, text, trust, url_validity  # noqa: F401  (registers the rules)
from karabakh_timeline.check.rules.registry import PACKAGE, RULES, TABLE, Context, Rule, package_fields, rule, rule_tasks, run_rules

__all__ = ["PACKAGE", "RULES", "TABLE", "Context", "Rule", "package_fields", "rule", "rule_tasks", "run_rules"]
