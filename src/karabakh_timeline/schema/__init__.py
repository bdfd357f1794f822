"""Table Schema: the one source of truth for fields, types, constraints and keys.

table_schema parses schemas/*.json; types holds the one table from Table Schema types to Arrow,
pandas, SQLite, R, lexical forms and message words; descriptor opens datapackage.json and its
resources; pandera_compiler turns a Table Schema into a pandera DataFrameSchema.
"""
