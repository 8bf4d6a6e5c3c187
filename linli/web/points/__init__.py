"""Points: giving points (award, proposals, reversal), the rule catalogue, the ledger, a
resident's points and the yearly figures."""
