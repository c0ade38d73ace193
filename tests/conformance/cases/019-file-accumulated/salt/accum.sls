{% set sb = grains['sandbox'] %}
hosts-file:
  file.managed:
    - name: {{ sb }}/hosts
    - source: salt://tpl/hosts.j2
    - template: jinja

web-hosts:
  file.accumulated:
    - name: hosts-block
    - filename: {{ sb }}/hosts
    - text:
      - 10.0.0.1 web1
      - 10.0.0.2 web2
    - require_in:
      - file: hosts-file

db-hosts:
  file.accumulated:
    - name: hosts-block
    - filename: {{ sb }}/hosts
    - text: 10.0.0.9 db1
    - require_in:
      - file: hosts-file
