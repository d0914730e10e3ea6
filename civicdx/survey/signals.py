"""Signals other parts listen to, so that the survey does not depend on them."""

from django.dispatch import Signal

# Sent after an import has written a survey's data (kwargs: survey_id). The BPR part recomputes its candidates.
survey_imported = Signal()
