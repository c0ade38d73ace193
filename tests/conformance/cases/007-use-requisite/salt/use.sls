{% set sb = grains['sandbox'] %}
template-file:
  file.managed:
    - name: {{ sb }}/one.conf
    - contents: shared contents
    - mode: '0640'
    - makedirs: true
    - require:
      - test: prep

prep:
  test.succeed_without_changes:
    - use_in:
      - test: prep-copy

prep-copy:
  test.succeed_without_changes: []

second-file:
  file.managed:
    - name: {{ sb }}/sub/two.conf
    - use:
      - file: template-file

third-file:
  file.managed:
    - name: {{ sb }}/three.conf
    - mode: '0600'
    - use:
      - file: template-file
