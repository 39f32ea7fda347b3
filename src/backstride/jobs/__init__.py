"""Background jobs on PostgreSQL (issue 17): the shell that runs the service's long work
outside a web request, with procrastinate (a task queue in the same database: no second
broker to run).

- ``queue.py``: the task names and how a job is queued (an app without the task code,
  on the store's PostgreSQL database; SQLite is refused).
- ``app.py``: a worker's procrastinate ``App``: the queue's, with the tasks registered.
- ``tasks.py``: the tasks a worker runs (import an upload, sync, render a report) and the
  periodic ones (sync every connected account hourly; retry the jobs of workers that
  stopped sending heartbeats, every minute).
- ``submit.py``: what the web calls: create the job row and queue its task in one
  transaction, return the job's id.
- ``worker.py``: ``backstride worker``'s loop (``cli/worker.py`` is its command line).

Like ``cli`` and ``web``, it may import the service, the model, the config, the errors, the
views and the report, never the store.
"""
