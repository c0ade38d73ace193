{% set sb = grains['sandbox'] %}
data-file:
  file.managed:
    - name: {{ sb }}/data.txt
    - contents: data v1
hook:
  cmd.run:
    - name: echo hook
    - unless: 'true'
checks:
  test.succeed_without_changes:
    - names:
      - check-a
      - check-b
