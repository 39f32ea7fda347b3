"""The coach: the weekly plan, the exercise library and the return-to-run program.

Pure: consumes findings and the runner's history as plain values, never reads files or the
store. ``model.py`` holds the shapes every other part (service, CLI, web, exports) relies on.
"""
