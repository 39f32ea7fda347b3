"""Clients of the services a runner can connect (docs/sync.md): Strava (through stravalib)
and intervals.icu. This layer speaks HTTP and turns the services' payloads into ``model``
shapes; storing them is ``service.sync``'s, through the import path every file takes.

- ``ratelimit.py``: Strava's rate limits read from each response's headers, and the wait
  until a window opens again (an injectable clock, so tests never sleep);
- ``strava.py``: OAuth (authorization URL, code exchange, refresh) and the reads a sync
  needs, with errors in one line; ``strava_data.py``: a Strava activity as an
  ``Activity`` and ``ActivityMeta``;
- ``intervals.py``: intervals.icu's activity list and original files (API key);
- ``loopback.py``: the tiny HTTP listener on 127.0.0.1 that catches the authorization code
  of ``backstride strava connect``;
- ``errors.py``: what goes wrong with a service, in words.
"""
