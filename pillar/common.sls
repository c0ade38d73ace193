# Region-wide defaults. Secrets never live here (see docs: GPG pillar or a separate git pillar).
region: eu
example:
  app:
    name: sample-api
    workers: 4
