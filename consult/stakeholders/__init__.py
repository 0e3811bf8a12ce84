"""Who takes part: the stakeholder groups people speak as, and the age bands of the young.

The fixed list of DOMAIN.md ("Who takes part"), extendable by the platform admin. It is
its own small domain because consultations invite groups, submissions and offline
activities count per group, and the reports and the national overview split by them.
"""
