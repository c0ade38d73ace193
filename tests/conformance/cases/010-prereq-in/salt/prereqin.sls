{% set sb = grains['sandbox'] %}
release-file:
  file.managed:
    - name: {{ sb }}/release.txt
    - contents: release {{ pillar.get('release', '1.0') }}
    - prereq_in:
      - cmd: stop-service

stop-service:
  cmd.run:
    - name: echo stopped >> {{ sb }}/events.log

start-service:
  cmd.run:
    - name: echo started >> {{ sb }}/events.log
    - onchanges:
      - file: release-file

pre-command:
  cmd.run:
    - name: echo pre >> {{ sb }}/pre.log
    - prereq_in:
      - file: guarded-file

guarded-file:
  file.managed:
    - name: {{ sb }}/guarded.txt
    - contents: guarded
