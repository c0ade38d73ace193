{% set sb = grains['sandbox'] %}
renamed:
  file.rename:
    - name: {{ sb }}/new/name.txt
    - source: {{ sb }}/old/name.txt
    - makedirs: true
rename-no-force:
  file.rename:
    - name: {{ sb }}/taken.txt
    - source: {{ sb }}/src.txt
rename-missing-source:
  file.rename:
    - name: {{ sb }}/whatever.txt
    - source: {{ sb }}/does-not-exist.txt
must-exist:
  file.exists:
    - name: {{ sb }}/taken.txt
must-be-missing:
  file.missing:
    - name: {{ sb }}/old/name.txt
    - require:
      - file: renamed
exists-fails:
  file.exists:
    - name: {{ sb }}/nope.txt
tree-modes:
  file.directory:
    - name: {{ sb }}/tree
    - file_mode: '0640'
    - dir_mode: '0750'
    - recurse:
      - mode
copied:
  file.copy:
    - name: {{ sb }}/deep/copy/src.txt
    - source: {{ sb }}/src.txt
    - makedirs: true
copy-force:
  file.copy:
    - name: {{ sb }}/taken-copy.txt
    - source: {{ sb }}/taken.txt
    - force: true
