{% set sb = grains['sandbox'] %}
no-root:
  file.comment:
    - name: {{ sb }}/sshd_config
    - regex: ^PermitRootLogin
    - backup: false
use-dns:
  file.uncomment:
    - name: {{ sb }}/sshd_config
    - regex: UseDNS
    - backup: false
    - require:
      - file: no-root
password-auth:
  file.comment:
    - name: {{ sb }}/sshd_config
    - regex: ^PasswordAuthentication
    - char: '# '
    - require:
      - file: use-dns
debug-on:
  file.uncomment:
    - name: {{ sb }}/app.ini
    - regex: debug
    - char: '//'
    - backup: false
verbose-off:
  file.comment:
    - name: {{ sb }}/app.ini
    - regex: ^verbose
    - char: ';'
    - backup: false
nothing-matches:
  file.comment:
    - name: {{ sb }}/app.ini
    - regex: ^nosuchline
