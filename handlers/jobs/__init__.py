"""Scheduled jobs the ticker runs (the weekly digest, the check-in nudges), and the chart
rendering they share with listeners. Listeners call into these modules, never the reverse."""
