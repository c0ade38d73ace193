{% set sb = grains['sandbox'] %}
conf-files:
  file.managed:
    - makedirs: true
    - contents: default contents
    - mode: '0644'
    - names:
      - {{ sb }}/etc/a.conf:
        - contents: A only
      - {{ sb }}/etc/b.conf:
        - mode: '0600'
        - contents:
          - line one
          - line two
      - {{ sb }}/etc/c.conf

after-all:
  test.succeed_without_changes:
    - require:
      - file: conf-files

after-b:
  test.succeed_with_changes:
    - onchanges:
      - file: {{ sb }}/etc/b.conf

checks:
  test.succeed_without_changes:
    - names:
      - first check
      - second check:
        - comment: custom comment
      - third check
    - require:
      - test: after-all
