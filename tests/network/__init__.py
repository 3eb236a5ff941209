"""The reference AT Protocol network (the TypeScript PLC, PDS, AppView and Ozone servers of
``@atproto/dev-env``) for skykit's integration tests: install, start, stop.

``harness`` is the Python API, ``plugin`` the pytest fixtures, ``python -m tests.network`` the
command line (``install``; ``start [--full]`` for development).
"""
