# A deploy user with a key, key-only sshd, reloaded on change.
deploy:
  user.present:
    - shell: /bin/bash
    - home: /home/deploy
    - createhome: True

deploy-key:
  ssh_auth.present:
    - user: deploy
    - name: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIODInlKKvYex1+J+ocGkepHAXDzz03BAeN8Den5iwntR deploy@rsalt
    - require:
      - user: deploy

sshd-hardening:
  file.managed:
    - name: /etc/ssh/sshd_config.d/10-base-role.conf
    - contents: |
        PasswordAuthentication no
        PermitRootLogin prohibit-password
        MaxAuthTries 4

ssh:
  service.running:
    - enable: True
    - reload: True
    - watch:
      - file: sshd-hardening
