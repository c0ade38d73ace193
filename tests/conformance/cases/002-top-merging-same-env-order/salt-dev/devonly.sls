dev-file:
  file.managed:
    - name: {{ grains['sandbox'] }}/dev.txt
    - contents: dev from {{ saltenv }}
