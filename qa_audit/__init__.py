"""qa_audit: practice quality audits for family-court social work."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qa-audit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
