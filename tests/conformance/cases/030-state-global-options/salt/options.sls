{% set sb = grains['sandbox'] %}
retry-failing:
  test.fail_without_changes:
    - retry:
        attempts: 3
        until: true
        interval: 0
retry-succeeding:
  test.succeed_with_changes:
    - retry:
        attempts: 2
        interval: 0
unless-fun-true:
  file.managed:
    - name: {{ sb }}/unless-fun.txt
    - contents: never
    - unless:
      - fun: grains.equals
        key: os
        value: Debian
onlyif-fun-true:
  file.managed:
    - name: {{ sb }}/onlyif-fun.txt
    - contents: written
    - onlyif:
      - fun: file.directory_exists
        path: {{ sb }}
      - fun: test.true
onlyif-fun-false:
  file.managed:
    - name: {{ sb }}/onlyif-fun-false.txt
    - contents: never
    - onlyif:
      - fun: test.false
check-ok:
  file.managed:
    - name: {{ sb }}/checked.conf
    - contents: valid=yes
    - check_cmd: grep -q valid=yes
check-fails:
  file.managed:
    - name: {{ sb }}/rejected.conf
    - contents: valid=no
    - check_cmd: grep -q valid=yes
