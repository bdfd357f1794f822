"""The rule registry: each rule is a small named function with one issue code, the tables and fields
it needs, and a Context (today, the readable typed tables, every table's schema).

Requirements are declared, never discovered by a silent early return:

- ``needs``: the rule runs only when all of them are there. A needed table that the package does
  not have (an optional table, a partial package) or that could not be read (reported already)
  skips the rule silently; a needed table that is present but lacks a needed field is a
  ``rule-requirement-missing`` warning naming the rule, the table and the field, and the rule does
  not run.
- ``uses``: optional parts of a rule. An absent table is silent; a present table without the
  field is the same warning, and the rule runs without that part.

So a package that simply lacks an optional table is not warned about, while a schema that drops a
field a rule depends on is never checked silently.

Scope: a ``table`` rule judges each table on its own cells only, so the validator runs it right
after reading that table (alone in its Context); a ``package`` rule compares tables and runs once
all are read, on the columns it declares (needs, uses, and ``reads``: the fields it looks at in any
table, such as every URL field) — the validator drops the others after each table's own checks.
tests/test_rule_scope.py shows both ways give the same issues.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.schema.table_schema import TableSchema
from karabakh_timeline.support.text import cell_text
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue

Requirements = Mapping[str, tuple[str, ...]]  # table -> fields
TABLE, PACKAGE = "table", "package"  # a rule's scope


@dataclass(frozen=True)
class Context:
    """What every rule receives: the date that counts as today, the readable typed tables, all schemas."""

    today: dt.date
    tables: Mapping[str, TypedTable]
    schemas: Mapping[str, TableSchema] = field(default_factory=dict)
    memos: dict[object, Any] = field(default_factory=dict, compare=False, repr=False)  # results the rules of one task share

    def memo(self, key: object, compute: Callable[[], Any]) -> Any:
        """compute() once under key for the rules that share it (they declare shares=, so run in turn in one task, which has
        memos of its own: a shared result is freed when the last rule sharing it is done, not kept to the end of the run)."""
        if key not in self.memos:
            self.memos[key] = compute()
        return self.memos[key]

    def has(self, table: str, *fields: str) -> bool:
        """True when table was read and its schema has every one of fields."""
        t = self.tables.get(table)
        return t is not None and t.readable and all(f in t.schema.field_names for f in fields)

    def column(self, table: str, name: str) -> pa.ChunkedArray:
        """The typed cells of a table's field, as Arrow (what the rules work on: validation never makes pandas frames)."""
        return self.tables[table].column(name)


RuleFunction = Callable[[Context], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its issue code, its function and what it needs."""

    code: str
    func: RuleFunction
    needs: Requirements = field(default_factory=dict)
    uses: Requirements = field(default_factory=dict)
    scope: str = PACKAGE
    reads: Callable[[TableSchema], Iterable[str]] | None = None  # fields a package rule looks at in any table it is given
    shares: str | None = None  # rules that share a result computed once per run (e.g. corroboration) run in one task, in turn

    def fields_read(self, schema: TableSchema) -> set[str]:
        """The fields of a table (by its schema) this rule looks at: declared needs and uses, and what reads() names."""
        found = set(self.needs.get(schema.name, ())) | set(self.uses.get(schema.name, ()))
        return found | set(self.reads(schema)) if self.reads is not None else found

    def requirement_issues(self, ctx: Context) -> tuple[bool, list[Issue]]:
        """(runnable, warnings): whether the rule can run on ctx, and a warning per present table missing a declared field."""
        runnable = True
        warnings: list[Issue] = []
        template = code("rule-requirement-missing")
        for requirements, blocking in ((self.needs, True), (self.uses, False)):
            for table, fields in requirements.items():
                if table not in ctx.tables or not ctx.tables[table].readable:
                    runnable = runnable and not blocking  # absent or unreadable: skipped without a word
                    continue
                for name in fields:
                    if name not in ctx.tables[table].schema.field_names:
                        warnings.append(Issue("rule-requirement-missing", template.message(rule=self.code, table=table, field=name),
                                              table, None, name, self.code))
                        runnable = runnable and not blocking
        return runnable, warnings


RULES: dict[str, Rule] = {}


def rule(code_name: str, *, needs: Requirements | None = None, uses: Requirements | None = None, scope: str = PACKAGE,
         reads: Callable[[TableSchema], Iterable[str]] | None = None, shares: str | None = None) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule under its issue code, with the tables and fields it needs (and optionally uses), its scope (table: it
    reads one table at a time; package: it compares tables), for a package rule the fields it reads in any table, and the name
    of a result it shares with other rules (computed by the first of them, memoised for the run)."""
    assert scope in (TABLE, PACKAGE), scope

    def register(func: RuleFunction) -> RuleFunction:
        RULES[code_name] = Rule(code_name, func, dict(needs or {}), dict(uses or {}), scope, reads, shares)
        return func

    return register


def issues_at(t: TypedTable, mask: np.ndarray | pa.ChunkedArray | pa.Array, code_name: str, field_name: str,
              message: Callable[[str | None], str], values: pa.ChunkedArray | pa.Array | None = None) -> Iterator[Issue]:
    """One issue per row of t where mask (NumPy, or Arrow with missing as False) is true, at the row's CSV line, showing the
    field's value (or values', a column beside the table's)."""
    if isinstance(mask, (pa.ChunkedArray, pa.Array)):
        mask = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    if not len(rows):
        return
    column = t.column(field_name) if values is None else values
    shown = pc.take(column, pa.array(rows)).to_pylist()
    for line, value in zip(t.lines[rows], shown, strict=True):
        text = cell_text(value)
        yield Issue(code_name, message(text), t.name, int(line), field_name, text)


def _run(r: Rule, ctx: Context) -> list[Issue]:
    runnable, warnings = r.requirement_issues(ctx)
    return warnings + (list(r.func(ctx)) if runnable else [])


def package_fields(schema: TableSchema) -> set[str]:
    """The fields of a table that some package rule reads (what the validator keeps of it for them)."""
    return set().union(*(r.fields_read(schema) for r in RULES.values() if r.scope == PACKAGE))


def rule_tasks(ctx: Context, scope: str | None = None) -> list[Callable[[], list[Issue]]]:
    """The registered rules of scope (default: every rule) as tasks that a pool can run side by side (most work is in Arrow,
    without the GIL); their issues, task after task, are in registry order.

    Rules that share a result run in one task, one after the other: side by side, all but one of them would hold a
    worker waiting for it (at 1M events, 2.3 s of one of two cores waited for corroboration).
    """
    groups: dict[str, list[Rule]] = {}
    for r in RULES.values():
        if scope is None or r.scope == scope:
            groups.setdefault(r.shares or r.code, []).append(r)
    return [partial(_run_group, group, ctx) for group in groups.values()]


def _run_group(group: list[Rule], ctx: Context) -> list[Issue]:
    ctx = replace(ctx, memos={})  # the group's shared results, freed with it (1M events: 60-90 MB each until the run's end)
    return [issue for r in group for issue in _run(r, ctx)]


def run_rules(ctx: Context, pool: Executor | None = None, scope: str | None = None) -> list[Issue]:
    """Run the registered rules of scope (default: every rule), side by side when given a thread pool."""
    tasks = rule_tasks(ctx, scope)
    return [issue for found in (map if pool is None else pool.map)(lambda task: task(), tasks) for issue in found]
