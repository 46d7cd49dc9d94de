"""Runnable examples of composio-router in the frameworks people use it with.

* ``fastapi_app.py``: one ``AsyncComposio`` per FastAPI app, opened in the lifespan,
  handed to handlers by dependencies (``uvicorn examples.fastapi_app:app``).

Each is tested in ``tests/frameworks``.
"""
