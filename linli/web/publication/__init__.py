"""一季度一公示: the public lists (PDF, Excel, the check page), residents' objections, and the
community staff's pages."""
