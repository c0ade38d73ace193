{% set sb = grains['sandbox'] %}
env-dict:
  cmd.run:
    - name: echo "$A-$B"
    - env:
        A: alpha
        B: beta
in-cwd:
  cmd.run:
    - name: mkdir -p sub && cd sub && pwd
    - cwd: {{ sb }}
bash-only:
  cmd.run:
    - name: 'arr=(x y z); echo "${arr[1]} ${arr[@]}"'
    - shell: /bin/bash
stateful-change:
  cmd.run:
    - name: |
        echo "doing work"
        echo
        echo "changed=yes comment='work done' extra=42"
    - stateful:
      - test_name: echo "changed=no comment='would do work'"
retcode-ok:
  cmd.run:
    - name: exit 3
    - success_retcodes: [3]
stdout-ok:
  cmd.run:
    - name: 'echo warning; exit 1'
    - success_stdout: [warning]
hidden:
  cmd.run:
    - name: echo secret-output
    - hide_output: true
prepended:
  cmd.run:
    - name: 'echo $PATH | cut -d: -f1'
    - prepend_path: /opt/custom/bin
multi:
  cmd.run:
    - name: |
        echo one
        echo two >&2
        echo three
