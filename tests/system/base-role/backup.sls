# A nightly tarball of /etc into /var/backups.
backup-script:
  file.managed:
    - name: /usr/local/sbin/rsalt-backup
    - mode: '0755'
    - contents: |
        #!/bin/sh
        set -e
        tar -czf /var/backups/etc-$(date +%Y%m%d).tar.gz -C / etc

backup-cron:
  cron.present:
    - name: /usr/local/sbin/rsalt-backup
    - user: root
    - minute: 15
    - hour: 3
    - identifier: rsalt-backup
    - require:
      - file: backup-script
