"""The assessment editor: grading, evidence, context, narrative, actions, response."""

from .widget import AssessmentEditor

__all__ = ["AssessmentEditor"]
