base-timezone:
  timezone.system:
    - name: Europe/Berlin
