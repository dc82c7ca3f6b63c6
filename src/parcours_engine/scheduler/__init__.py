"""APScheduler bootstrap and thin jobs: each job run is one unit of work per pathway it touches."""
