"""Reports and dashboards: the self-contained HTML report of ``vessels investigate``."""
