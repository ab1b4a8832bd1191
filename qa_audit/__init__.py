"""qa_audit: practice quality audits for family-court social work."""

# The one place the version is written (pyproject reads it): no package-metadata lookup at
# every start.
__version__ = "0.1.0"
