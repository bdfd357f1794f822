"""A resource's declared bytes and hash against its file (Data Package: "bytes", "hash" as "algorithm:hex", md5 by default)."""
from __future__ import annotations

import hashlib

from karabakh_timeline.schema.descriptor import Resource
from karabakh_timeline.vocabulary.codes import code
from karabakh_timeline.vocabulary.issues import Issue

_BLOCK = 1 << 24


def integrity_issues(resource: Resource) -> list[Issue]:
    """integrity-mismatch for a declared size or hash the file does not have (nothing is read when neither is declared)."""
    if resource.inline is not None or (resource.size is None and resource.hash is None):
        return []
    template = code("integrity-mismatch")
    issues = []
    try:
        size = resource.path.stat().st_size
        if resource.size is not None and size != resource.size:
            issues.append(Issue("integrity-mismatch", template.message(what="the size", found=f"{size:,} bytes", declared=f"{resource.size:,}"),
                                resource.name, value=str(size)))
        if resource.hash is not None:
            algorithm, _, expected = resource.hash.rpartition(":")
            algorithm = algorithm.lower() or "md5"
            if algorithm not in hashlib.algorithms_available:
                return [*issues, Issue("package-invalid", f"resource {resource.name!r}: unknown hash algorithm {algorithm!r:.20}", resource.name)]
            digest = hashlib.new(algorithm)
            with open(resource.path, "rb") as fh:
                while block := fh.read(_BLOCK):
                    digest.update(block)
            if digest.hexdigest() != expected.lower():
                issues.append(Issue("integrity-mismatch", template.message(what=f"the {algorithm} hash", found=digest.hexdigest(), declared=expected),
                                    resource.name, value=digest.hexdigest()))
    except OSError:
        return issues  # the reader reports the file as unreadable
    return issues
