# The sshd_config + reload pattern with standard modules: the config is rendered from a
# template, validated by `sshd -t -f <candidate>` (check_cmd) before it replaces the live
# file, and ssh is reloaded (not restarted) when it changes.
openssh-server:
  pkg.installed: []

# sshd -t needs its privilege separation directory (systemd's RuntimeDirectory on a real
# host; the init script creates it too, but check_cmd runs first).
/run/sshd:
  file.directory:
    - mode: '0755'

sshd_config:
  file.managed:
    - name: /etc/ssh/sshd_config
    - source: salt://sshd/sshd_config.j2
    - template: jinja
    - mode: '0644'
    - check_cmd: /usr/sbin/sshd -t -f
    - require:
      - pkg: openssh-server
      - file: /run/sshd

ssh:
  service.running:
    - enable: True
    - reload: True
    - require:
      - pkg: openssh-server
    - watch:
      - file: sshd_config
