{% set sb = grains['sandbox'] %}
web-conf:
  file.managed:
    - name: {{ sb }}/web.conf
    - contents: web
    - require:
      - test: web-check
web-check:
  test.succeed_without_changes: []
