{% set sb = grains['sandbox'] %}
app-conf:
  file.managed:
    - name: {{ sb }}/app.conf
    - contents: version {{ pillar.get('version', 1) }}

reload-app:
  cmd.run:
    - name: echo reload >> {{ sb }}/reload.log
    - unless: 'true'
    - listen:
      - file: app-conf

restart-app:
  cmd.wait:
    - name: echo restart >> {{ sb }}/restart.log
    - listen:
      - file: app-conf

between:
  test.succeed_without_changes: []

notify:
  cmd.wait:
    - name: echo notified >> {{ sb }}/notify.log
    - cwd: {{ sb }}

other-conf:
  file.managed:
    - name: {{ sb }}/other.conf
    - contents: other
    - listen_in:
      - cmd: notify
