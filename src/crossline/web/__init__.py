"""The FastAPI application: mounts every module's routes, the layout and static assets."""
