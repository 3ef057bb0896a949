"""The API gateway: the ticketing system's public REST API (Flask, served by gunicorn).

The application factory is `api_gateway.app.create_app`. It is not imported here on
purpose: `python -m api_gateway` must set PROMETHEUS_MULTIPROC_DIR before
prometheus_client is first imported.
"""
