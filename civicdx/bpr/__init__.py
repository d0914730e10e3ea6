"""BPR analysis: improvement-candidate rules, similar-work grouping (集約化), projects and peer cities."""
