"""The Early Intervention Youth Fund: funds, bids with partners, panel scores, awards within
the budget, and monitoring returns (MISSION.md, Early intervention; DOMAIN.md §EIYF)."""
