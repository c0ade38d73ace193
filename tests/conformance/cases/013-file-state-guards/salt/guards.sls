{% set sb = grains['sandbox'] %}
unless-true:
  file.managed:
    - name: {{ sb }}/unless-true.txt
    - contents: never
    - unless: test -e {{ sb }}/exists.txt
unless-false:
  file.managed:
    - name: {{ sb }}/unless-false.txt
    - contents: written
    - unless: test -e {{ sb }}/missing.txt
onlyif-true:
  file.managed:
    - name: {{ sb }}/onlyif-true.txt
    - contents: written
    - onlyif:
      - 'true'
      - test -e {{ sb }}/exists.txt
onlyif-false:
  file.managed:
    - name: {{ sb }}/onlyif-false.txt
    - contents: never
    - onlyif: 'false'
creates-existing:
  file.managed:
    - name: {{ sb }}/creates-existing.txt
    - contents: never
    - creates: {{ sb }}/exists.txt
creates-missing:
  file.directory:
    - name: {{ sb }}/made-dir
    - creates:
      - {{ sb }}/made-dir/marker
      - {{ sb }}/exists.txt
touch-once:
  file.touch:
    - name: {{ sb }}/made-dir/marker
    - creates: {{ sb }}/made-dir/marker
