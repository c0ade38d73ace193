{% set sb = grains['sandbox'] %}
notes-header:
  file.prepend:
    - name: {{ sb }}/notes.txt
    - text:
      - '# managed by salt'
      - '# do not edit'
already-there:
  file.prepend:
    - name: {{ sb }}/already.txt
    - text: '# header'
new-file:
  file.prepend:
    - name: {{ sb }}/deep/new.txt
    - makedirs: true
    - text: |
        first
        second
