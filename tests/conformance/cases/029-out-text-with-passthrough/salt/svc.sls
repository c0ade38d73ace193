{% set sb = grains['sandbox'] %}
svc-conf:
  file.managed:
    - name: {{ sb }}/svc.conf
    - contents: name={{ pillar['svc']['name'] }}
svc-reload:
  cmd.wait:
    - name: echo reloaded
    - listen:
      - file: svc-conf
broken:
  cmd.run:
    - name: echo failing; exit 7
handler:
  test.succeed_with_changes:
    - onfail_any:
      - cmd: broken
