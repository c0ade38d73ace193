{% set sb = grains['sandbox'] %}
build:
  cmd.script:
    - source: salt://scripts/build.sh
    - args: one two
    - cwd: {{ sb }}
    - env:
      - MODE: release
    - creates: {{ sb }}/marker
hello:
  cmd.script:
    - name: salt://scripts/hello.sh.j2
    - template: jinja
    - context:
        greeting: hi there
    - onlyif: test -e {{ sb }}/marker
stateful:
  cmd.script:
    - source: salt://scripts/stateful.sh
    - stateful: true
failing:
  cmd.script:
    - source: salt://scripts/fail.sh
    - unless: test -e {{ sb }}/marker
failing-unguarded:
  cmd.script:
    - source: salt://scripts/fail.sh
    - success_retcodes: [0]
list-args:
  cmd.script:
    - source: salt://scripts/build.sh
    - args: [first, second]
    - cwd: {{ sb }}/sub
    - creates: {{ sb }}/sub/marker
    - env:
      - MODE: debug
    - require:
      - cmd: build
sub-dir:
  file.directory:
    - name: {{ sb }}/sub
    - require_in:
      - cmd: list-args
